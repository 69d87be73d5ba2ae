# a single-node machine: everything is on node 0, also for a task on CPU 1; a cpuset with node 1 cannot be made
machine nodes=1
task t cpu=1
task m1 mems=1
a = mmap 4p rw
write a 4p
nodes a*4
use t
b = mmap 2p rw shared
write b 2p
nodes b*2
use m1
c = mmap 1p rw
use main
move_pages b*2 pid=t
