# node query of PROT_NONE pages: written pages, zero-page pages and untouched pages of a range made none
machine nodes=2 cpus=2
a = mmap 6p rw
write a 2p 0x5a
read a+2p 2p
mprotect a 6p none
nodes a*6
move_pages a*6
mprotect a 6p r
nodes a*6
