# shared anonymous mapping: split and merge like private (s flag in vmas); none then rw keeps the data; r faults on write
machine nodes=2 cpus=2
a = mmap 8p rw shared
write a 8p 0x30
mprotect a+2p 4p none
vmas a 8p
read a+2p 1p
mprotect a+2p 2p r
vmas a 8p
write a+3p 1p
mprotect a 8p rw
vmas a 8p
read a 8p
