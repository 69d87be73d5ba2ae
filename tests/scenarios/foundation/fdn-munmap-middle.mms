# munmap in the middle splits a VMA in three pieces, then further single pages split it more
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 12p rw
write a 12p 0x41
munmap a+4p 4p
vmas a 12p
munmap a+1p 1p
munmap a+10p 1p
vmas a 12p
read a 12p
read a+2p 2p
read a+11p 1p
read a+8p 2p
nodes a*12
