# munmap of a range that already contains unmapped pages succeeds and removes only what is mapped; repeating it returns 0 again
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 16p rw
write a 16p 0x61
munmap a+2p 2p
munmap a+8p 3p
vmas a 16p
munmap a+1p 12p
vmas a 16p
read a 1p
read a+13p 3p
nodes a*16
munmap a 16p
vmas a 16p
munmap a 16p
nodes a*16
