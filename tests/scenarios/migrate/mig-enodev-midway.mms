# ENODEV in the middle of a node list: the pages queued before it are migrated, later ones are not
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x75
move_pages a*4 to=1,1,5,1
nodes a*8
move_pages a*4 to=0,1,1,-1
nodes a*8
move_pages a+4p*4 to=1,0,1,9
nodes a*8
move_pages a+6p,a+7p,a+6p to=1,1,2
nodes a*8
move_pages a*8 to=7,0,0,0,0,0,0,0
nodes a*8
read a 8p
