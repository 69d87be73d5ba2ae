# a hole in the middle of the range is ENOMEM; the VMA before the hole keeps its new protection, the one after it does not
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x51
munmap a+3p 1p
mprotect a 8p r
vmas a 8p
write a 1p 0x52
write a+4p 4p 0x53
read a 8p
read a+4p 4p
