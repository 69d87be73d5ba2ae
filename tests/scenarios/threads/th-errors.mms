# errors: a thread of a task that could not be created, of a thread that has exited, and commands in them, are ESRCH; pid= of them too
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p
task bad mems=5
use bad
thread tb cpu=1
use tb
write a 1p
exit
use main
move_pages a pid=tb
thread t1 cpu=1
use t1
exit
thread t2
use t2
nodes a
use main
move_pages a pid=t2
thread t3
use t3
nodes a*4
move_pages a*4 to=2
move_pages a*4 to=1 flags=7
