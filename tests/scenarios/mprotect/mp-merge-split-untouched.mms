# a VMA split while untouched, then its two outer pieces faulted separately (two anon_vmas): restoring rw merges the middle with the lower piece only
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 6p rw
mprotect a+2p 2p r
write a 2p 0x92
write a+4p 2p 0x93
vmas a 6p
mprotect a+2p 2p rw
vmas a 6p
read a 6p
