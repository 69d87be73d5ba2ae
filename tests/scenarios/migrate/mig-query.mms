# the query forms after migrations: nodes, move_pages without to= (own, pid=0, pid=TASK), more than 16 pages
machine nodes=2 cpus=2
task t
a = mmap 40p rw
write a 36p 0xe7
move_pages a+10p*20 to=1
nodes a*40
move_pages a*40
move_pages a+8p*4 pid=0
use t
move_pages a*40 pid=main
b = mmap 3p rw
write b 2p 0xe8
use main
move_pages b*2 to=1 pid=t
move_pages b*3 pid=t
move_pages b*3
