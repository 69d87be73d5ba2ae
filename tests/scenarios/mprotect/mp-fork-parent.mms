# COW after fork: the parent makes the range r, the child writes it; the parent's writes fault and its data stays the old one
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x40
fork c
mprotect a 4p r
write a 1p 0x41
use c
vmas a 4p
write a 4p 0x42
read a 4p
use main
vmas a 4p
read a 4p
