# a thread's exit ends only the thread: what it wrote stays, its later commands and pid= of it are ESRCH; a process's exit ends its threads too
machine nodes=2 cpus=2
a = mmap 8p rw
thread t1 cpu=1
use t1
write a 4p 0x71
b = mmap 4p rw
write b 4p 0x72
exit
use main
read a 4p
read b 4p
nodes a*4
nodes b*4
vmas b 4p
move_pages a pid=t1
use t1
read a 1p
nodes a
exit
task p cpu=1
use p
c = mmap 4p rw
write c 4p 0x73
thread pt cpu=0
use pt
write c 2p 0x74
use p
exit
use pt
read c 1p
use main
move_pages a pid=p
move_pages a pid=pt
read a 4p
