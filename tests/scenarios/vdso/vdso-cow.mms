# [vdso] made writable: a write copies the page (private, anonymous), dontneed drops the copy
machine nodes=2 cpus=2
a = mmap 4p rw
mprotect a+8p 1p rw
mprotect a+8p 2p rw
vmas a 10p
write a+8p 1p 0x66
read a+8p 1p
nodes a+8p
move_pages a+8p to=1
nodes a+8p
madvise a+8p 2p dontneed
mprotect a+8p 2p r
vmas a 10p
write a+8p 1
