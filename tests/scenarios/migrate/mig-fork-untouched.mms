# fork before any write: both see ENOENT; pages first written after fork are private to the writer and move freely
machine nodes=2 cpus=2
a = mmap 4p rw
fork c
move_pages a*4 to=1
write a 2p 0x99
move_pages a*4 to=1
nodes a*4
use c
nodes a*4
write a+1p 2p 0x9a
move_pages a*4 to=1
nodes a*4
