# flags=0 (neither MOVE nor MOVE_ALL) still moves the pages, like MOVE
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x73
move_pages a*2 to=1 flags=0
nodes a*4
move_pages a*4 to=1 flags=0
nodes a*4
move_pages a*4 to=0 flags=move_all
nodes a*4
move_pages a*4 flags=0
