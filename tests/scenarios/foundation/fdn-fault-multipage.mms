# SIGSEGV offsets in multi-page ranges crossing from a writable VMA into a read-only or inaccessible neighbour
machine nodes=2 cpus=2
top = mmap 4p none
r = mmap 3p r
w = mmap 3p rw
write w 6p 0xd1
read w 6p
write w+4106 4p 0xd2
n = mmap 2p none
read n 7p
read n+8191 3p
write n+2p 4p 0xd3
read n+2p 6p
vmas n 12p
nodes n*12
