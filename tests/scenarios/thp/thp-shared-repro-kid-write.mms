# repro variant: child writes h+6p (its COW), then the parent writes h+5p; each sees its own bytes; new THP g in parent
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m 0x11
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
use kid
write h+6p 1p 0x22
use main
write h+5p 1 0x33
g = mmap 2m rw
write g 2m 0x44
read h+6p 1p
read h+5p 1p
read g+6p 1p
use kid
read h+6p 1p
read h+5p 1p
read h+7p 1p
use main
# (a view mmsim does not have yet: issue 17)
# (a view mmsim does not have yet: issue 17)
