# shared memory's policy is not rebound; its pages mapped by the task move with the cpuset all the same
machine nodes=4 cpus=4
task t mems=0,1
use t
s = mmap 4p rw shared
mbind s 4p bind nodes=1
write s 2p
nodes s*2
cpuset_mems t 2,3
numa_maps s 4p
get_mempolicy s flags=addr
nodes s*2
write s+2p 2p
nodes s*4
