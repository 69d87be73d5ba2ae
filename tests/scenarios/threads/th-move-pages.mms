# move_pages and migrate_pages from a thread on CPU 1: its own process's pages (pid 0, pid=main, pid=itself) and another process's; main sees the moves
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x51
task other
use other
o = mmap 4p rw
write o 4p 0x52
use main
thread t1 cpu=1
use t1
move_pages a*2 to=1
move_pages a+2p*2 to=1 pid=main
move_pages a+4p*2 to=1 pid=t1
move_pages o*4 to=1 pid=other
nodes a*8
use main
nodes a*8
move_pages a*8 pid=t1
read a 8p
move_pages a*4 to=0 pid=t1
nodes a*8
use other
nodes o*4
use t1
migrate_pages from=0 to=1
nodes a*8
use main
nodes a*8
read a 8p
