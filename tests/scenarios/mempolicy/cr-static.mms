# static policies keep the user's nodes that remain in the new mems (all of them when none remains); get_mempolicy shows the user's mask
machine nodes=4 cpus=4
task t mems=0,1,2,3
use t
set_mempolicy bind+static nodes=1,3
a = mmap 4p rw
mbind a 4p interleave+static nodes=0,1
numa_maps a 4p
cpuset_mems t 2,3
get_mempolicy
numa_maps a 4p
write a 4p
nodes a*4
b = mmap 2p rw
write b 2p
nodes b*2
cpuset_mems t 0,2
get_mempolicy
numa_maps a 4p
c = mmap 2p rw
write c 2p
nodes c*2
nodes a*4
