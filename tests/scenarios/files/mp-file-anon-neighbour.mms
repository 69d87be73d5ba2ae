# a file mapping and an anonymous mapping next to each other never merge, even with the same protection after mprotect
machine nodes=2 cpus=2
file f 4p
top = mmap 4p none
s = mmap 4p rw shared file=f
p = mmap 4p r private file=f
a = mmap 4p rw
vmas a 12p
mprotect p 4p rw
mprotect a 4p r
vmas a 12p
mprotect a 12p rw
vmas a 12p
