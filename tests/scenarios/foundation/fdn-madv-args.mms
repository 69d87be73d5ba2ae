# madvise arguments: unaligned start EINVAL, length 0 is 0, unaligned length rounds up, a range with a hole is ENOMEM but still applied around the hole
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 8p rw
write a 8p 0xe6
madvise a+1 1p dontneed
madvise a+2048 1 dontneed
madvise a 0 dontneed
nodes a*8
madvise a 1 dontneed
nodes a*8
munmap a+4p 1p
madvise a+1p 6p dontneed
nodes a*8
read a+5p 2p
h = hole 2p
madvise h 2p dontneed
madvise h 2p normal
madvise h 0 normal
madvise a+3p 2p cold
madvise a+3p 2p willneed
madvise a 0xfffffffffffff000 dontneed
