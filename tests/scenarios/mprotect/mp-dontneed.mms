# madvise dontneed on an r range and on a none range works; afterwards the pages read as zeros once readable again
machine nodes=2 cpus=2
a = mmap 6p rw
write a 6p 0x5d
mprotect a 2p r
mprotect a+2p 2p none
madvise a 4p dontneed
nodes a*6
read a 2p
mprotect a+2p 2p rw
read a+2p 2p
read a+4p 2p
vmas a 6p
