# mprotect on file mappings: shared r->rw writes reach the file, private r->rw writes stay private, rw->r forbids writes; vmas split
machine nodes=2 cpus=2
file f 6p
s = mmap 6p r shared file=f
p = mmap 6p r private file=f
mprotect s+1p 2p rw
vmas s 6p
write s+1p 2p 0xc1
write s+3p 1p 0xc2
mprotect p+2p 2p rw
vmas p 6p
write p+2p 1p 0xc3
read p 6p
read s 6p
mprotect p+2p 1p r
write p+2p 1p 0xc4
read p+2p 1p
mprotect s 6p rw
mprotect p 6p rw
vmas p 12p
nodes p*6
