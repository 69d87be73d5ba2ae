# repro with two children sharing the PTE-mapped THP, both unmap it, then the parent writes, and a new THP g
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m 0x11
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid1
fork kid2
use kid1
munmap h 2m
use kid2
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
