# a shared file mapping made none: its reads fault, another mapping of the file still reads and writes; back to r sees the other's write
machine nodes=2 cpus=2
file f 2p
s = mmap 2p rw shared file=f
write s 2p 0xa8
mprotect s 2p none
read s 1p
t = mmap 2p rw shared file=f
write t+1p 1p 0xa9
mprotect s 2p r
read s 2p
read t 2p
nodes s*2
