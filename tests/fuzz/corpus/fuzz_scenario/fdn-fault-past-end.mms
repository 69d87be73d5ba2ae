# accesses running past the end of a mapping into free space fault at the first page beyond it
machine nodes=2 cpus=2
top = mmap 8p rw
a = mmap 4p rw
munmap top 8p
write a 4p 0xa1
write a+4p 1
read a+3p 2p
write a+2p 4p 0xa2
read a 4p
read a+4p 1p
nodes a*6
vmas a 8p
