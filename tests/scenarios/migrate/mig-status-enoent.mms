# status ENOENT: never-touched pages, pages zapped by MADV_DONTNEED; a later write gets a fresh page on the CPU's node
machine nodes=2 cpus=2
a = mmap 8p rw
write a 4p 0x69
move_pages a*8 to=1
nodes a*8
madvise a+1p 2p dontneed
move_pages a*8 to=0
nodes a*8
write a+1p 1p 0x6a
write a+6p 1p 0x6b
nodes a*8
move_pages a*8 to=1
nodes a*8
read a 8p
