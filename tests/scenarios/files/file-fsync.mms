# fsync returns 0 for a file never mapped, mapped and written, after msync, after munmap, with a private mapping, and an empty file
machine nodes=2 cpus=2
file f 4p
file g 2p
file e 0
fsync f
fsync e
s = mmap 4p rw shared file=f
write s 4p 0x1c
fsync f
msync s 4p async
fsync f
munmap s 4p
fsync f
p = mmap 2p rw private file=g
write p 2p 0x1d
fsync g
munmap p 2p
fsync g
t = mmap 4p r shared file=f
read t 4p
u = mmap 2p r shared file=g
read u 2p
fsync f
