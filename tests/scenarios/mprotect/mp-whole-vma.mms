# mprotect of a whole VMA changes it without a split; a faulted VMA (it has an anon_vma) given its untouched neighbour's protection does not merge with it, nor when the neighbour is changed first
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
b = mmap 4p r
write a 4p 0x0a
vmas b 8p
mprotect a 4p r
vmas b 8p
write b 8p
mprotect b 8p rw
vmas b 8p
write b 8p 0x0a
read b 8p
