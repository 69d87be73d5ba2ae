# a file mapping split by mprotect re-merges when restored (contiguous file offsets); the pieces keep their file data
machine nodes=2 cpus=2
file f 8p
s = mmap 8p rw shared file=f
write s 8p 0xa7
mprotect s+2p 3p r
mprotect s+6p 1p none
vmas s 8p
read s+2p 3p
read s+6p 1p
mprotect s 8p rw
vmas s 8p
read s 8p
