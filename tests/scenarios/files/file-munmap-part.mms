# munmap of part of a file mapping: the pieces keep their file offsets and data; the gap is reused by a new mapping of the same offsets (no merge)
machine nodes=2 cpus=2
file f 8p
s = mmap 8p rw shared file=f
write s 2p 0xe1
write s+2p 2p 0xe2
write s+4p 2p 0xe3
write s+6p 2p 0xe4
munmap s+2p 2p
vmas s 8p
read s+2p 1p
read s 2p
read s+4p 2p
nodes s*8
munmap s+7p 1p
vmas s 8p
g = mmap 2p rw shared file=f offset=2p
vmas s 8p
read g 2p
munmap s 8p
vmas s 8p
t = mmap 8p r shared file=f
read t 8p
