# a range covering the end of one VMA and the start of the next (different protections) splits both at the range ends
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
b = mmap 4p rx
vmas b 8p
mprotect b+2p 4p r
vmas b 8p
mprotect b+3p 2p none
vmas b 8p
read b 3p
read b+5p 3p
