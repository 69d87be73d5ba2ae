# the same page listed with different target nodes: each change of node flushes the batch, so it moves twice
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x66
move_pages a,a to=1,0
nodes a
move_pages a,a,a to=1,0,1
nodes a
move_pages a,a+1p,a to=0,1,0
nodes a*2
move_pages a+2p,a+3p,a+2p,a+3p to=1,1,0,0
nodes a*4
read a 4p
