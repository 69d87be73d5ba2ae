# move_pages of every page of a written mapping to node 1 and back; contents survive both moves
machine nodes=2 cpus=2
a = mmap 16p rw
write a 16p 0x11
read a 16p
nodes a*16
move_pages a*16 to=1
nodes a*16
read a 16p
move_pages a*16 to=0
nodes a*16
read a 16p
move_pages a*16 to=1 flags=move
nodes a*16
