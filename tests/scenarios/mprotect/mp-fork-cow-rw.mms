# pages made r before fork then rw in both tasks: each write breaks COW, so the two copies stay separate
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x46
mprotect a 4p r
fork c
mprotect a 4p rw
write a 2p 0x47
use c
read a 4p
mprotect a 4p rw
write a+2p 2p 0x48
read a 4p
use main
read a 4p
