# munmap of the head of a VMA keeps the tail with its data; the freed head is the highest gap and is reused by the next small mmap
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 8p rw
write a 8p 0x21
munmap a 2p
vmas a 8p
read a 2p
read a+1p 2p
read a+2p 6p
nodes a*8
b = mmap 2p rw
vmas a 12p
read a 8p
nodes a*8
