# after munmap, accesses fault at the first unmapped page relative to the start address, nodes says EFAULT; earlier pages of the range were written
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 8p rw
write a 8p 0x91
munmap a+3p 2p
write a 8p 0x92
read a 3p
read a+1p 6p
write a+100 4p
read a+4095 2
read a+5p 3p
nodes a*8
write a+3p 1
munmap a 8p
read a 1
write a+7p 1
nodes a*8
vmas a 8p
