# interleaved node lists over pages that start on alternating nodes; consecutive same-node runs
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x62
move_pages a*8 to=0,1,0,1,0,1,0,1
nodes a*8
move_pages a*8 to=1,0,1,0,1,0,1,0
nodes a*8
move_pages a*8 to=1,1,1,1,0,0,0,0
nodes a*8
move_pages a*8 to=0,0,1,1,0,0,1,1
nodes a*8
read a 8p
