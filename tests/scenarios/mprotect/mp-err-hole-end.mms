# a hole at the end of the range is ENOMEM, but every VMA before it has been changed (split at the range start too)
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x61
munmap a+6p 2p
mprotect a+1p 7p r
vmas a 8p
write a 1p 0x62
write a+1p 1p 0x63
read a 6p
