# mlock is not inherited: the child's copy of a locked mapping is unlocked (dontneed allowed there) while the parent's stays locked
machine nodes=2 cpus=2
a = mmap 4p rw locked
write a 4p 0x60
b = mmap 4p rw locked
fork c
madvise a 4p dontneed
use c
nodes a*4
nodes b*4
madvise a 4p dontneed
nodes a*4
read a 4p
munlock a 4p
mlock b 2p
madvise b 4p dontneed
write b+3p 1
nodes b*4
use main
read a 4p
nodes a*4
nodes b*4
munlock a 4p
madvise a 2p dontneed
nodes a*4
