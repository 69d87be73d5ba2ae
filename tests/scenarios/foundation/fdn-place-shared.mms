# shared and private anonymous mappings never merge, and two adjacent shared anonymous mappings stay separate VMAs
machine nodes=2 cpus=2
a = mmap 2p rw private
b = mmap 2p rw shared
c = mmap 2p rw shared
d = mmap 2p rw private
e = mmap 2p rw
f = mmap 2p r shared
vmas f 12p
write e 10p 0x44
read e 10p
nodes f*12
