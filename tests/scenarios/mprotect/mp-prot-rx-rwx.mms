# rx: reads ok, writes fault; rwx: reads and writes ok; wx: like rwx for data access; vmas letters for each
machine nodes=2 cpus=2
a = mmap 6p rw
write a 6p 0x29
mprotect a 2p rx
mprotect a+2p 2p rwx
mprotect a+4p 2p wx
vmas a 6p
write a 1p
write a+2p 4p 0x2a
read a 6p
mprotect a 6p rwx
vmas a 6p
write a 6p 0x2b
read a 6p
