# exclusive private pages moved to node 1, made r and then rw: writes reuse the same pages (they stay on node 1), no COW copy
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x57
move_pages a*4 to=1
mprotect a 4p r
mprotect a 4p rw
write a 4p 0x58
nodes a*4
read a 4p
