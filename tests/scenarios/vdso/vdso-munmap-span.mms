# munmap over a mapping and both of the vDSO's: all go; a new mapping reuses the space
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p
munmap a+2p 8p
vmas a 10p
b = mmap 8p rw
vmas a 10p
read a 2p
