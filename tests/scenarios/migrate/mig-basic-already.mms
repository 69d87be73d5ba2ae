# pages already on the target node report that node as status and count as success (return 0)
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
move_pages a*8 to=0
nodes a*8
move_pages a*4 to=1
move_pages a*8 to=1
nodes a*8
move_pages a*8 to=1
move_pages a+2p*3 to=0
move_pages a*8 to=0
nodes a*8
