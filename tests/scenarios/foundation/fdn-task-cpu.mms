# a task pinned to CPU 1 (node 1) gets its first-touch pages, shared pages and fork copies on node 1; a CPU 0 task on node 0
machine nodes=2 cpus=2
task c1 cpu=1
task c0 cpu=0
use c1
a = mmap 4p rw
write a 4p
nodes a*4
s = mmap 2p rw shared
read s 2p
nodes s*2
r = mmap 2p rw
read r 2p
nodes r*2
fork f
use f
write a 1p 0x11
nodes a*4
use c0
x = mmap 2p rw
write x 2p
nodes x*2
use main
move_pages a*4 pid=c1
move_pages a*4 pid=f
move_pages x*2 pid=c0
