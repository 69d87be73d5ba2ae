# a caller confined to node 0 moving main's pages: the batch to node 0 migrates, the later batch to node 1 fails the call with ENOMEM; already-there pages need no allocation
machine nodes=2 cpus=2
task t mems=0
a = mmap 4p rw
write a 4p 0xf8
move_pages a*2 to=1
use t
move_pages a*4 to=0,0,1,1 pid=main
use main
nodes a*4
move_pages a*4 to=1
use t
move_pages a*4 to=0,1,0,1 pid=main
use main
nodes a*4
read a 4p
