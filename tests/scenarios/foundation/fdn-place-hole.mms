# a hole is never reused by mmap and always faults; munmap of a never-mapped hole returns 0, mlock/madvise on it ENOMEM
machine nodes=2 cpus=2
h = hole 4p
a = mmap 4p rw
vmas h 4p
write h 1p
read h+1p 2p
nodes h*4
munmap h 4p
munmap a 4p
b = mmap 4p rw
write b 4p 0x5b
read a 4p
read b 4p
vmas h 4p
h2 = hole 1
nodes h2,h2+1p
write h2+100 10
mlock h 4p
munlock h 4p
madvise h 4p dontneed
madvise h 4p willneed
vmas h 8p
nodes b*4
