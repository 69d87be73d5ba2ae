# after moving pages to node 1, new faults in the same mapping still go to the CPU's node; COW of a moved page too
machine nodes=2 cpus=2
a = mmap 8p rw
write a 4p 0xe9
move_pages a*4 to=1
write a+4p 4p 0xea
nodes a*8
write a 1p 0xeb
nodes a*8
fork c
use c
write a+1p 1p 0xec
nodes a*2
use main
nodes a*2
move_pages a+1p to=0
nodes a*2
