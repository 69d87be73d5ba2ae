# pages moved to node 1 then made PROT_NONE and back to rw keep node 1 and their data; new faults go to node 0
machine nodes=2 cpus=2
a = mmap 4p rw
write a 2p 0x5b
move_pages a*2 to=1
mprotect a 4p none
mprotect a 4p rw
write a+2p 2p 0x5c
nodes a*4
read a 4p
