# shared anon after fork: the child's mprotect r affects only the child; the parent's writes are seen by the child's reads
machine nodes=2 cpus=2
a = mmap 4p rw shared
write a 4p 0x31
fork c
use c
mprotect a 4p r
write a 1p
use main
vmas a 4p
write a 2p 0x32
use c
vmas a 4p
read a 4p
use main
read a 4p
