# repro variant: child writes h+6p then unmaps h (as if it exited); parent writes h+5p and h+6p; new THP g; reads
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m 0x11
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
use kid
write h+6p 1p 0x22
munmap h 2m
use main
write h+5p 1 0x33
write h+6p 1 0x55
g = mmap 2m rw
write g 2m 0x44
read h+5p 1p
read h+6p 1p
read h+7p 1p
read g+6p 1p
# (a view mmsim does not have yet: issue 17)
