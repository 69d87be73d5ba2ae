# mems 0,1 -> 1: nodes in both keep their pages, node 0's go to node 1
machine nodes=2 cpus=2
task t mems=0,1
use t
a = mmap 4p rw
set_mempolicy bind nodes=0
write a 2p
set_mempolicy bind nodes=1
write a+2p 2p
set_mempolicy default
nodes a*4
cpuset_mems t 1
nodes a*4
cpuset_mems t 0
nodes a*4
