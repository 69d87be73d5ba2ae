# shared anonymous memory has no zero page: a read allocates a real shmem page on the local node, also in a read-only shared mapping
machine nodes=2 cpus=2
s = mmap 4p rw shared
nodes s*4
read s 2p
nodes s*4
write s+3p 1
nodes s*4
r = mmap 4p r shared
read r 4p
nodes r*4
