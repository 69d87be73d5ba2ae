# one call over several VMAs made by separate mmaps with different protections changes them all and merges them into one VMA
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 2p rw
b = mmap 2p r
c = mmap 2p none
d = mmap 2p rx
write a 2p 0x10
vmas d 8p
mprotect d 8p rw
vmas d 8p
write d 8p 0x11
read d 8p
