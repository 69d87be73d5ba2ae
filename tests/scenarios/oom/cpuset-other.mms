# A mems=1 task that runs out of node 1 kills the largest task whose cpuset
# overlaps its own: main (400 MiB, most of it on node 0), and the mems=1
# task's write then completes
machine nodes=2 cpus=2
task t mems=1
a = mmap 200m rw
b = mmap 200m rw
write a 200m
write b 200m
use t
c = mmap 130m rw
write c 130m 0x03
read c 130m
use main
read a 1p
