# shared anonymous memory: a child's mbind of part of it reaches the parent's pages, but not its VMA or numa_maps
machine nodes=2 cpus=2
s = mmap 8p rw shared
fork c
use c
mbind s+4p 4p bind nodes=1
vmas s 8p
numa_maps s 8p
use main
vmas s 8p
numa_maps s 8p
get_mempolicy s
get_mempolicy s+4p
write s 8p
nodes s*8
use c
nodes s*8
