# consecutive anonymous mmaps are placed top-down, each directly below the previous one, and merge into one VMA
machine nodes=2 cpus=2
a = mmap 4p rw
b = mmap 4p rw
vmas b 8p
c = mmap 2p rw
vmas c 10p
write a 4p 0x11
write b 4p 0x22
write c 2p 0x33
read c+2p 4p
read b 4p
read c+6p 4p
read a 4p
read c 10p
nodes c*10
vmas c 10p
