# the same page twice in one call: the second entry finds the page already isolated (EBUSY) in the same batch
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x65
move_pages a,a to=1
nodes a*4
move_pages a,a to=1
move_pages a+1p,a+2p,a+1p to=1
nodes a*4
move_pages a+3p,a+3p,a+3p to=1
nodes a*4
move_pages a+8,a+4000 to=0
nodes a*4
