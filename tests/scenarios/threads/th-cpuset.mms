# a thread of a task with a cpuset (mems=0), running on CPU 1 (node 1): its faults stay on node 0, move_pages to node 1 is EACCES, and it reports the same mems_allowed
machine nodes=2 cpus=2
task c mems=0 cpu=0
use c
a = mmap 8p rw
thread ct cpu=1
use ct
write a 4p 0x91
nodes a*4
move_pages a*2 to=1
get_mempolicy flags=mems_allowed
use c
write a+4p 4p 0x92
nodes a*8
