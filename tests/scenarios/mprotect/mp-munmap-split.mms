# munmap after mprotect splits: unmapping across a protection boundary trims both VMAs; a later mprotect across the gap is ENOMEM
machine nodes=2 cpus=2
a = mmap 10p rw
write a 10p 0x60
mprotect a+3p 4p r
vmas a 10p
munmap a+5p 3p
vmas a 10p
mprotect a 10p rw
vmas a 10p
write a+3p 2p 0x61
read a+8p 2p
