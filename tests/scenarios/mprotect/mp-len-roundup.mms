# a length that is not page-aligned is rounded up to whole pages (1 byte protects a whole page, 4097 bytes two pages)
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x81
mprotect a+1p 1 r
vmas a 8p
mprotect a+4p 4097 none
vmas a 8p
write a+1p 1p
write a+3p 1p 0x82
read a+5p 1p
read a+6p 1p
