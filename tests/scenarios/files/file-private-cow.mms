# private file mapping COW: a task on CPU 1 writes its private copy (node 1); the file page stays on node 0 and unchanged
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0xa1
task t cpu=1
use t
p = mmap 4p rw private file=f
read p 4p
write p+2p 1p 0xa2
nodes p*4
read p 4p
use main
nodes s*4
read s 4p
move_pages p*4 pid=t
move_pages p+2p to=0 pid=t
move_pages p+2p pid=t
use t
read p+2p 1p
