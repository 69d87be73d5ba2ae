# the caller's own pages: no pid, pid=0 and pid=<own task> are the same, also for a uid-1000 task
machine nodes=2 cpus=2
task u uid=1000
a = mmap 2p rw
write a 2p 0x8c
move_pages a to=1
move_pages a+1p to=1 pid=0
move_pages a*2 to=0 pid=main
nodes a*2
use u
b = mmap 2p rw
write b 2p 0x8d
move_pages b to=1 pid=u
move_pages b+1p to=1 pid=0
nodes b*2
move_pages b*2 pid=u
