# per-page errors interleaved with moves in a node list: each page gets its own status, the rest still move
machine nodes=2 cpus=2
a = mmap 6p rw
write a 2p 0x63
write a+4p 2p 0x64
read a+2p 1p
h = hole 1p
move_pages a,h,a+1p,a+2p,a+3p,a+4p,a+5p to=1,1,0,1,1,0,1
nodes a*6
move_pages a+3p,a,a+2p,a+5p,h,a+1p to=0,0,1,0,1,1
nodes a*6
