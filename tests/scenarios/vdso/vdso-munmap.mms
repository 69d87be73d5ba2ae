# munmap of the vDSO's mappings: whole ones go and their gap is reused; a part of one is EINVAL
machine nodes=2 cpus=2
a = mmap 4p rw
munmap a+5p 2p
munmap a+9p 1p
munmap a+3p 2p
vmas a 10p
munmap a+8p 2p
vmas a 10p
read a+8p 1p
b = mmap 1p rw
vmas a 10p
c = mmap 2p rw
vmas c 12p
d = mmap 1p rw
vmas c 12p
write d 1p
munmap a+4p 4p
e = mmap 4p rw
vmas a 10p
