# ENODEV after per-page errors and an already-there page: earlier pages still handled, the call fails
machine nodes=2 cpus=2
a = mmap 4p rw
write a 2p 0x76
h = hole 1p
move_pages h,a+3p,a,a+1p,a+2p to=1,1,1,1,3
nodes a*4
move_pages a,a+1p,a+3p to=1,0,4
nodes a*4
