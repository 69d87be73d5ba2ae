# MOVE_ALL moves pages shared by fork; parent and child then both see the new node and the same data
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x92
fork c
move_pages a*2 to=1 flags=move_all
nodes a*4
use c
nodes a*4
read a 4p
move_pages a+2p*2 to=1 flags=move_all
nodes a*4
use main
nodes a*4
read a 4p
