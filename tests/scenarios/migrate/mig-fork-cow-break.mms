# after the child writes (COW break) the parent's page is exclusive again and moves without MOVE_ALL
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x93
fork c
use c
write a+1p 2p 0x94
nodes a*4
use main
move_pages a*4 to=1
nodes a*4
read a 4p
use c
move_pages a*4 to=1
nodes a*4
read a 4p
