# a task on CPU 1 allocates on node 1; main moves its pages to node 0; its new pages still go to node 1
machine nodes=2 cpus=2
task t cpu=1
use t
a = mmap 6p rw
write a 4p 0x8e
nodes a*6
use main
move_pages a*4 to=0 pid=t
use t
nodes a*6
write a+4p 2p 0x8f
nodes a*6
move_pages a*6 to=0
nodes a*6
read a 6p
migrate_pages from=0 to=1
nodes a*6
