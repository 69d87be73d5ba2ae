# written pages made PROT_NONE are still present: move_pages moves them (status = node, return 0) and nodes reports them; rw again and the data is intact
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x59
mprotect a+1p 2p none
move_pages a*4 to=1
nodes a*4
mprotect a+1p 2p rw
nodes a*4
read a 4p
