# several splits of one faulted VMA (none, r, rx pieces) merge back into one VMA when a single call restores rw on the whole range
machine nodes=2 cpus=2
a = mmap 12p rw
write a 12p 0x0b
mprotect a+1p 2p none
mprotect a+5p 1p r
mprotect a+8p 3p rx
vmas a 12p
mprotect a 12p rw
vmas a 12p
write a 12p 0x0c
read a 12p
