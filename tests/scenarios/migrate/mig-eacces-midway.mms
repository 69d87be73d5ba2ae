# 4 nodes, target confined to nodes 0-1: a node outside the cpuset midway fails the call after earlier pages moved; ENODEV vs EACCES
machine nodes=4 cpus=4
task t mems=0,1
use t
a = mmap 6p rw
write a 6p 0x7a
nodes a*6
use main
move_pages a*4 to=1,1,2,1 pid=t
move_pages a*6 to=0,0,0,0,1,3 pid=t
move_pages a*2 to=2,4 pid=t
move_pages a*2 to=4,2 pid=t
move_pages a+4p*2 to=1,5 pid=t
use t
nodes a*6
move_pages a*6 to=3
move_pages a*6 to=1
nodes a*6
