# a single page moved in the middle of a mapping, then the first and the last page
machine nodes=2 cpus=2
a = mmap 9p rw
write a 9p 0x7e
read a 9p
move_pages a+4p to=1
nodes a*9
move_pages a to=1
move_pages a+8p to=1
nodes a*9
read a 9p
read a+4p 1p
move_pages a+4p to=0
nodes a*9
