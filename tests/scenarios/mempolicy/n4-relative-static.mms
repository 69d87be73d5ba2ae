# 4 nodes, cpuset mems=1,3: relative masks map onto the allowed nodes in order, static masks are cut
machine nodes=4 cpus=4
task t mems=1,3 cpu=1
use t
get_mempolicy flags=mems_allowed
set_mempolicy bind+relative nodes=0
get_mempolicy
a = mmap 2p rw
write a 2p
nodes a*2
set_mempolicy bind+relative nodes=1
b = mmap 2p rw
write b 2p
nodes b*2
set_mempolicy interleave+relative nodes=0-3
c = mmap 4p rw
write c 4p
nodes c*4
numa_maps c 4p
set_mempolicy interleave+static nodes=0-3
get_mempolicy
d = mmap 4p rw
write d 4p
nodes d*4
numa_maps d 4p
set_mempolicy bind+static nodes=0,2
set_mempolicy bind nodes=0,2
set_mempolicy bind+relative nodes=2
get_mempolicy
numa_maps d 4p
