# pages shared by fork: EACCES without MOVE_ALL (return 0), but a shared page already on the target reports its node
machine nodes=2 cpus=2
a = mmap 4p rw
write a 3p 0x91
fork c
move_pages a*4 to=1
move_pages a*4 to=0
move_pages a*4 to=1 flags=move
move_pages a*4 to=1,0,1,0
nodes a*4
use c
move_pages a*4 to=1
nodes a*4
read a 4p
