# node 1 filled by a task on CPU 1: moving 2048 pages there fails the whole call with ENOMEM; after the filler unmaps, the move works
machine nodes=2 cpus=2
task t cpu=1
use t
f = mmap 250m rw
write f 250m 0x11
nodes f,f+1000p
use main
a = mmap 8m rw
write a 8m 0x22
move_pages a*2048 to=1
use t
munmap f 250m
use main
move_pages a*4 to=1
nodes a*4
move_pages a*2048 to=1
nodes a+2044p*4
read a 8m
