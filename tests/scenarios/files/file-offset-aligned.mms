# page-aligned offset= maps the file from that page: each page of the window shows the bytes written there through a full mapping
machine nodes=2 cpus=2
file f 8p
s = mmap 8p rw shared file=f
write s 2p 0x11
write s+2p 2p 0x12
write s+4p 2p 0x13
write s+6p 2p 0x14
o = mmap 4p rw shared file=f offset=2p
vmas o 4p
read o 2p
read s+2p 2p
read o+2p 2p
read s+4p 2p
write o+3p 1p 0x15
read s+5p 1p
q = mmap 2p r private file=f offset=6p
read q 2p
read s+6p 2p
nodes o*4
nodes q*2
