# mems 0,1 -> 1,2: pages on node 0 go to node 1 and those on node 1 to node 2, in one process
machine nodes=4 cpus=4
task t mems=0,1
use t
a = mmap 4p rw
set_mempolicy bind nodes=0
write a 2p
set_mempolicy bind nodes=1
write a+2p 2p
nodes a*4
cpuset_mems t 1,2
nodes a*4
get_mempolicy
cpuset_mems t 0,1
nodes a*4
get_mempolicy
