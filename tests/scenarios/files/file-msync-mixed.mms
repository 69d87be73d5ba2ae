# msync over one range spanning adjacent file (shared and private) and anonymous mappings: 0 in every mode; ENOMEM once a hole is in it
machine nodes=2 cpus=2
file f 4p
file g 4p
a = mmap 4p rw shared file=f
b = mmap 4p rw
c = mmap 4p rw private file=g
d = mmap 4p rw shared file=g
vmas d 16p
write d 16p 0x1b
msync d 16p sync
msync d 16p async
msync d 16p invalidate
msync d+2p 12p sync
munmap c+1p 1p
msync d 16p sync
msync d 5p sync
msync c+2p 10p async
read a 4p
read d 4p
