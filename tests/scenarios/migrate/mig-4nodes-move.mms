# 4 nodes: move_pages to every node with a node list; node 4 is ENODEV; a task on CPU 3 and moves of its pages
machine nodes=4 cpus=4
a = mmap 8p rw
write a 8p 0xe5
move_pages a*8 to=3,2,1,0,0,1,2,3
nodes a*8
move_pages a*8 to=2
nodes a*8
move_pages a*8 to=4
task t cpu=3
use t
b = mmap 2p rw
write b 2p 0xe6
nodes b*2
use main
move_pages b*2 to=1,2 pid=t
use t
nodes b*2
read b 2p
