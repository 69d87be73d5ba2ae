# a target node outside the target task's cpuset fails the call with EACCES (own pages and another task's)
machine nodes=2 cpus=2
task t mems=0
use t
a = mmap 4p rw
write a 4p 0x77
nodes a*4
move_pages a*4 to=1
move_pages a*4 to=0
nodes a*4
use main
move_pages a*4 to=1 pid=t
move_pages a*4 to=0 pid=t
move_pages a*4 to=5 pid=t
move_pages a*4 pid=t
use t
nodes a*4
