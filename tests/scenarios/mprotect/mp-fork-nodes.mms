# after fork, mprotect r then rw in the parent does not copy pages: they stay shared (EACCES) until written; the write copies on the CPU's node
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x49
move_pages a*4 to=1 flags=move_all
fork c
mprotect a 4p r
mprotect a 4p rw
move_pages a*4 to=0
write a 1p 0x4a
nodes a*4
use c
nodes a*4
read a 4p
