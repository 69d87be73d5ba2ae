# a large move: 2000 written pages to node 1, read back, then half of them back to node 0
machine nodes=2 cpus=2
a = mmap 2000p rw
write a 2000p 0x44
read a 2000p
move_pages a*2000 to=1
nodes a*2000
read a 2000p
move_pages a+1000p*1000 to=0
nodes a+990p*20
read a 2000p
