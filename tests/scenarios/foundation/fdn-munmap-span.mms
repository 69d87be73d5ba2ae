# one munmap spanning the boundary of two VMAs (different prot) trims both; one spanning three removes the middle one whole
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 6p rw
b = mmap 6p r
write a 6p 0x51
read b 6p
vmas b 12p
munmap b+4p 4p
vmas b 12p
read b 4p
read a+2p 4p
nodes b*12
c = mmap 8p rw
d = mmap 8p rwx
e = mmap 8p r
vmas e 24p
munmap e+2p 20p
vmas e 24p
read e 2p
read c+6p 2p
