# pages moved to node 1 before fork stay shared on node 1; a COW copy goes to the writer's CPU node (0)
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x95
move_pages a*4 to=1
fork c
use c
nodes a*4
write a 1p 0x96
nodes a*4
use main
nodes a*4
write a+1p 1p 0x97
nodes a*4
move_pages a*4 to=0
nodes a*4
use c
nodes a*4
