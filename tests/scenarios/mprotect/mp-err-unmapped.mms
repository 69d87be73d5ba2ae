# a range entirely unmapped is ENOMEM (a hole, a munmapped mapping); a range that starts in a gap and ends inside a mapping is ENOMEM and changes nothing
machine nodes=2 cpus=2
h = hole 4p
mprotect h 4p r
mprotect h 1 r
a = mmap 4p rw
write a 4p 0x71
c = mmap 2p rw
munmap c 2p
mprotect c 2p r
mprotect c 4p r
vmas a 4p
write a 4p 0x72
