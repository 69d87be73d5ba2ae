# a 64 MiB mapping written and read whole; nodes over all 16384 pages, before and after a 32 MiB munmap in the middle
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 64m rw
write a 64m 0x7e
read a 64m
nodes a*16384
munmap a+16m 32m
vmas a 64m
nodes a*16384
read a 64m
read a+48m 16m
read a 16m
