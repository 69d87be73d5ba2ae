# r on written pages (second and third page): reads everywhere, writes fault at the first r page, relative offsets
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x22
mprotect a+1p 2p r
vmas a 4p
write a 4p 0x23
write a+2p 2p 0x23
write a+3p 1p 0x24
read a 4p
