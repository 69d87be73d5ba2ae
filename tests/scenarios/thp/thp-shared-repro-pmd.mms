# repro without the mprotect split: PMD-mapped THP shared by fork, child unmaps, parent writes h+5p, new THP g
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m 0x11
fork kid
use kid
munmap h 2m
use main
write h+5p 1 0x33
g = mmap 2m rw
write g 2m 0x44
read h+6p 1p
read g+6p 1p
read h 2m
# (a view mmsim does not have yet: issue 17)
# (a view mmsim does not have yet: issue 17)
