# vmas clips VMAs to the asked range and prints offsets relative to ADDR, in pages when page-aligned, otherwise in bytes
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
b = mmap 4p r
vmas b+100 2p
vmas b+1p 1
vmas b+4095 2
vmas b+3p 2p
vmas b+8000 4p
vmas b 0
vmas a+4p 4p
vmas b 12p
