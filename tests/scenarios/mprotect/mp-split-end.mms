# mprotect of the end of a VMA splits it in two (rx tail); back to rw merges it
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x07
mprotect a+6p 2p rx
vmas a 8p
write a+5p 2p 0x08
read a+6p 2p
mprotect a+6p 2p rw
vmas a 8p
write a+6p 2p 0x09
read a 8p
