# a file mapped at offsets: windows at offset=4p and offset=2p overlap a shared mapping of the whole file; numa_maps mapmax= and smaps Pss for pages mapped two and three times.
machine nodes=2 cpus=2
file f 8p
w = mmap 8p rw shared file=f
write w 8p
o = mmap 4p rw shared file=f offset=4p
t = mmap 4p r shared file=f offset=2p
read o 4p
read t 4p
numa_maps t 16p
smaps t 16p
write o+1p 1 0x55
read w+5p 1p
read t+3p 1p
