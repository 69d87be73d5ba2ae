# munmap of the tail of a VMA keeps the head; the freed tail is reused by the next small mmap, which merges back
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 8p rw
write a 8p 0x31
munmap a+6p 2p
vmas a 12p
write a+5p 2p 0x32
read a 6p
nodes a*8
b = mmap 2p rw
vmas a 12p
read a+6p 2p
read a 8p
