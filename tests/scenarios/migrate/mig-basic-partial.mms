# moving a sub-range of a mapping leaves the other pages alone; overlapping second move
machine nodes=2 cpus=2
a = mmap 16p rw
write a 16p 0x21
move_pages a+4p*8 to=1
nodes a*16
move_pages a+2p*4 to=1
nodes a*16
move_pages a+10p*6 to=0
nodes a*16
read a 16p
vmas a 16p
