# a shared and a private anonymous mapping next to each other never merge, even with equal protections after mprotect
machine nodes=2 cpus=2
top = mmap 4p none
s = mmap 4p r shared
p = mmap 4p rw
vmas p 8p
mprotect s 4p rw
vmas p 8p
mprotect p 8p r
vmas p 8p
