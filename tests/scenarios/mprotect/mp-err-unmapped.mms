# a range entirely unmapped is ENOMEM: a hole, a munmapped mapping, and a range that starts in a hole and ends inside a mapping
machine nodes=2 cpus=2
h = hole 4p
mprotect h 4p r
mprotect h 1 r
a = mmap 4p rw
munmap a 4p
mprotect a 4p r
mprotect a+1p 1p none
b = mmap 4p rw
write b 4p 0x71
mprotect b-2p 4p r
vmas b 4p
