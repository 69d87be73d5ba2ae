# the none middle of a split VMA is munmapped: the two rw pieces do not re-merge across the gap; mprotect r over all stops at the gap
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x62
mprotect a+3p 2p none
munmap a+3p 2p
vmas a 8p
mprotect a 8p r
vmas a 8p
write a+5p 1p
read a+5p 3p
