# a forked child makes the parent-written range r then rw (re-merged) and writes: the child reads its new data, the parent keeps its old data
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x4c
fork c
use c
mprotect a+1p 3p r
write a+1p 1p
mprotect a+1p 3p rw
vmas a 4p
write a+1p 2p 0x4d
read a 4p
use main
read a 4p
