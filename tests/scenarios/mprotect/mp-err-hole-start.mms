# a hole at the start of the range is ENOMEM and nothing in the range changes
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x41
munmap a 2p
mprotect a 8p r
vmas a 8p
write a+2p 6p 0x42
read a+2p 6p
