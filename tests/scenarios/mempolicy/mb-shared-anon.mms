# shared anonymous memory: mbind sets the policy of the shared object, which the forked child sees and changes
machine nodes=2 cpus=2
s = mmap 8p rw shared
mbind s 8p bind nodes=1
write s 2p
nodes s*2
fork c
use c
numa_maps s 8p
get_mempolicy s
write s+2p 2p
nodes s*4
mbind s 8p preferred nodes=0
use main
numa_maps s 8p
get_mempolicy s
write s+4p 2p
nodes s*6
