# mprotect of the middle of a VMA splits it in three; writes fault only in the middle; restoring rw merges it back into one VMA
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x01
mprotect a+3p 2p r
vmas a 8p
write a+2p 1p 0x02
write a+3p 2p 0x03
write a+4p 1p 0x03
write a+5p 1p 0x04
read a 8p
mprotect a+3p 2p rw
vmas a 8p
write a+3p 2p 0x05
read a 8p
