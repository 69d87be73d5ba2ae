# zero-page-backed pages of an rw mapping (read only), made r and then rw: the write after mprotect allocates a new page on the CPU's node
machine nodes=2 cpus=2
a = mmap 4p rw
read a 4p
nodes a*4
mprotect a 4p r
write a 1p
mprotect a 4p rw
nodes a*4
write a+1p 2p 0x56
nodes a*4
read a 4p
