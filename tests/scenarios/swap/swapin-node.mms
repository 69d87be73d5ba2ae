# A task on CPU 1 (node 1): pages read back from the swap cache keep their
# node; pages read from the disk are allocated on the task's node
swapon 64m
task t cpu=1
use t
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
read a 8p
nodes a*8
madvise a 8p pageout
read a 8p
nodes a*8
swapoff
