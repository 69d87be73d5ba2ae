# mems 0,1,2,3 -> 0 gathers every page on node 0; growing back to 0,1,2,3 moves nothing and keeps the squeezed policy
machine nodes=4 cpus=4
task t mems=0,1,2,3
use t
set_mempolicy interleave nodes=0,1,2,3
a = mmap 8p rw
write a 8p
nodes a*8
cpuset_mems t 0
nodes a*8
get_mempolicy
cpuset_mems t 0,1,2,3
nodes a*8
get_mempolicy
b = mmap 4p rw
write b 4p
nodes b*4
