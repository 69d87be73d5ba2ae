# PROT_NONE on written pages: reads and writes fault at the first page; back to r the data is intact; back to rw writes work
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x20
read a 4p
mprotect a 4p none
vmas a 4p
read a 4p
write a+2p 1p
mprotect a 4p r
read a 4p
write a 1p
mprotect a 4p rw
write a 4p 0x21
read a 4p
