# mprotect of a whole VMA changes it without a split; it then merges with a neighbour that has the new protection (a faulted rw VMA made r merges with an untouched r neighbour, and back)
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
