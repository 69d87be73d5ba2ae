# addresses inside a page (not page-aligned) name that page, for moves and queries
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x5c
move_pages a+1 to=1
nodes a*4
move_pages a+8191 to=1
move_pages a+10240,a+12388 to=1
nodes a*4
move_pages a+100,a+200 to=0
nodes a+4000,a+4097,a+12287,a+12295
read a 4p
