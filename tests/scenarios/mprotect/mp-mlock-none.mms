# an mlocked range made PROT_NONE stays locked (dontneed EINVAL); its pages stay resident (nodes) and come back with rw
machine nodes=2 cpus=2
a = mmap 4p rw locked
write a 4p 0x53
mprotect a 4p none
madvise a 4p dontneed
nodes a*4
read a 1p
mprotect a 4p rw
read a 4p
nodes a*4
