# A task on CPU 1 (node 1) whose pages are on the disk only: after swapoff
# (run by the interpreter on the first CPU) on which node are they?
swapon 64m
task t cpu=1
use t
a = mmap 8p rw
write a 8p 0x11
nodes a*8
madvise a 8p pageout
read a 8p
madvise a 8p pageout
swapoff
nodes a*8
read a 8p
