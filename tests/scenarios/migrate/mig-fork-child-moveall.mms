# the child (same credentials as main) moves the shared pages with MOVE_ALL, and main's pages of a grandchild by pid
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x9c
fork c
use c
move_pages a*4 to=1
move_pages a*4 to=1 flags=move_all
fork g
use main
nodes a*4
move_pages a*4 pid=g
move_pages a*4 to=0 pid=g
move_pages a*4 to=0 pid=g flags=move_all
nodes a*4
use g
nodes a*4
read a 4p
