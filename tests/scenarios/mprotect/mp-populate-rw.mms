# an rw populate mapping has real pages; mprotect r keeps them (nodes); after a move to node 1 and rw, writes go to the same pages (no copy)
machine nodes=2 cpus=2
a = mmap 4p rw populate
nodes a*4
mprotect a 4p r
nodes a*4
move_pages a*4 to=1
mprotect a 4p rw
write a 4p 0x55
nodes a*4
read a 4p
