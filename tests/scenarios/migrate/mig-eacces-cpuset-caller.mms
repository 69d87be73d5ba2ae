# EACCES follows the target's cpuset, but new pages are allocated under the caller's: a mems=0 task moving main's pages to node 1 gets ENOMEM
machine nodes=2 cpus=2
task t mems=0
a = mmap 4p rw
write a 4p 0x78
use t
move_pages a*4 to=1 pid=main
move_pages a*4 to=1
use main
nodes a*4
move_pages a+1p*3 to=1
use t
move_pages a+3p to=1 pid=main
move_pages a*4 to=0 pid=main
move_pages a*4 to=0,0,1,1 pid=main
use main
nodes a*4
read a 4p
task u mems=1
use u
b = mmap 2p rw
write b 2p 0x79
nodes b*2
move_pages b*2 to=0
use main
move_pages b*2 to=0 pid=u
move_pages b*2 to=1 pid=u
