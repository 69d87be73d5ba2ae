# mprotect of the start of a VMA splits it in two; back to the old protection merges it
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x06
mprotect a 2p none
vmas a 8p
read a 1p
read a+1p 1p
read a+2p 6p
mprotect a 2p rw
vmas a 8p
read a 8p
