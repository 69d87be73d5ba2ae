# a per-page node list (to=1,0,1,1,0): each page goes to its own node; pages already there report it
machine nodes=2 cpus=2
a = mmap 5p rw
write a 5p 0x61
move_pages a*5 to=1,0,1,1,0
nodes a*5
move_pages a*5 to=0,1,0,0,1
nodes a*5
move_pages a*5 to=1,1,1,0,0
nodes a*5
read a 5p
