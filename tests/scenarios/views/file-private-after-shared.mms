# a private file mapping made after a shared one dirtied the pages: it reads the shared data and sees later shared writes until it COW-copies a page; numa_maps anon=/mapmax=, smaps Anonymous.
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x11
p = mmap 4p rw private file=f
read p 4p
write s+1p 1p 0x22
read p+1p 1p
write p+2p 1p 0x33
write s+2p 1p 0x44
read p+2p 1p
read s+2p 1p
numa_maps p 8p
smaps p 8p
