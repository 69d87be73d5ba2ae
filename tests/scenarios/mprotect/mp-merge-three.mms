# prev and next have the same protection and the middle differs: changing the middle to match merges all three VMAs in one
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 3p rw
b = mmap 2p r
c = mmap 3p rw
vmas c 8p
mprotect b 2p rw
vmas c 8p
write c 8p 0x13
read c 8p
