# the child zaps its copy with MADV_DONTNEED: the parent's pages become exclusive and move without MOVE_ALL
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x98
fork c
use c
madvise a 2p dontneed
nodes a*4
move_pages a*4 to=1
use main
move_pages a*4 to=1
nodes a*4
use c
read a 4p
nodes a*4
