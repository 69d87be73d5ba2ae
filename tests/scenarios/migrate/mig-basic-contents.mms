# each page has its own content; every page reads back the same after two moves
machine nodes=2 cpus=2
a = mmap 4p rw
write a 1p 0x01
write a+1p 1p 0x02
write a+2p 1p 0x03
write a+3p 1p 0x04
read a 1p
read a+1p 1p
read a+2p 1p
read a+3p 1p
move_pages a,a+2p to=1
read a 1p
read a+1p 1p
read a+2p 1p
read a+3p 1p
move_pages a*4 to=1,0,0,1
nodes a*4
read a 1p
read a+1p 1p
read a+2p 1p
read a+3p 1p
