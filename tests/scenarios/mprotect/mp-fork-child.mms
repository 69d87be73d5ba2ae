# mprotect in a forked child: child makes a middle page none and another r; the parent is unaffected and writes its own copy
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x43
fork c
use c
mprotect a+1p 1p none
mprotect a+2p 1p r
vmas a 4p
read a+1p 1p
write a+2p 1p
write a+3p 1p 0x44
use main
vmas a 4p
write a 4p 0x45
use c
read a 1p
read a+2p 2p
