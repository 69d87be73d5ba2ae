# in a forked child, a new mapping next to an inherited faulted VMA does not merge with it (its anon_vma chain is not singular); next to an untouched one it does; the parent still merges
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
write a 4p 0x01
g = mmap 4p none
u = mmap 4p rw
fork c
use c
b = mmap 4p rw
vmas b 12p
munmap g 4p
d = mmap 4p rw
vmas b 16p
use main
e = mmap 4p rw
vmas e 8p
munmap g 4p
f = mmap 4p rw
vmas e 16p
