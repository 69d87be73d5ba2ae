# zero-page mappings across fork: EFAULT in the parent, ENOENT in the child (PTEs not copied), nothing moves
machine nodes=2 cpus=2
a = mmap 4p rw
read a 4p
fork c
move_pages a*4 to=1
use c
move_pages a*4 to=1
read a 2p
move_pages a*4 to=1
write a+3p 1p 0x9b
move_pages a*4 to=1
nodes a*4
