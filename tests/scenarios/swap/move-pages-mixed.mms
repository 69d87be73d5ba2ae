# One move_pages call over present, paged-out and never-touched pages
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a+2p 2p pageout
move_pages a*8 to=1
nodes a*8
read a 8p
nodes a*8
swapoff
