# fork: the child inherits the task policy and every VMA policy, and places its own writes by them
machine nodes=2 cpus=2
set_mempolicy preferred nodes=1
a = mmap 8p rw
mbind a+4p 4p bind nodes=0
fork c
use c
get_mempolicy
get_mempolicy a
get_mempolicy a+4p
write a 8p
nodes a*8
numa_maps a 8p
use main
numa_maps a 8p
task t
use t
get_mempolicy
