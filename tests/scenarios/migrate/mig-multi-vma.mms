# one move_pages call over pages of several mappings (private rw, shared rw, private r with the zero page)
machine nodes=2 cpus=2
a = mmap 4p rw
b = mmap 4p rw shared
c = mmap 4p r
write a 4p 0x31
write b 4p 0x32
read c 4p
vmas c 12p
move_pages a,b,c,a+1p,b+1p,c+1p to=1
nodes a*4
nodes b*4
nodes c*4
move_pages a*4,b*4,c*4 to=1
read a 4p
read b 4p
read c 4p
