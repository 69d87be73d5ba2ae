# the same overlap with a thread in the cpuset: each task's migration runs, so the address space is migrated twice
machine nodes=4 cpus=4
task t mems=0,1
use t
thread th cpu=1
a = mmap 4p rw
set_mempolicy bind nodes=0
write a 2p
set_mempolicy bind nodes=1
write a+2p 2p
nodes a*4
cpuset_mems t 1,2
nodes a*4
get_mempolicy
use th
get_mempolicy
get_mempolicy flags=mems_allowed
