# alternating none / r / rw pieces over 12 untouched pages, then one r call over all: a single r VMA; reads see zeros, writes fault
machine nodes=2 cpus=2
a = mmap 12p rw
mprotect a 2p none
mprotect a+4p 2p r
mprotect a+6p 2p none
mprotect a+10p 2p r
vmas a 12p
mprotect a 12p r
vmas a 12p
read a 12p
write a+11p 1p
