# a shared file mapping created r (file opened read-write, so VM_MAYWRITE) can be made rw; the writes reach the file (seen by a private mapping)
machine nodes=2 cpus=2
file f 4p
s = mmap 4p r shared file=f
write s 1p
mprotect s 4p rw
vmas s 4p
write s 2p 0xa4
fsync f
p = mmap 4p r private file=f
read p 4p
read s 4p
mprotect s+2p 2p x
vmas s 4p
