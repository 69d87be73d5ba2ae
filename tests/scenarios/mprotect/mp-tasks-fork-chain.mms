# main, its child and its grandchild each make a different page r: each task sees the changes made before its fork plus its own; the grandchild's two adjacent r pieces stay separate VMAs
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x85
fork c
use c
mprotect a+1p 1p r
fork g
use g
mprotect a+2p 1p r
vmas a 4p
use main
mprotect a+3p 1p r
vmas a 4p
use c
vmas a 4p
write a+2p 1p 0x86
