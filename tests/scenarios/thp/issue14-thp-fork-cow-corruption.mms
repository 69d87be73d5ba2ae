# Issue 14, cause 1: fork of a PTE-mapped huge page, the child unmaps it, the parent copies one page: the huge page must stay, and g must get its own memory
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m 0x11
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
use kid
munmap h 2m
use main
write h+5p 1 0x33
g = mmap 2m rw
write g 2m 0x44
read h+6p 1p
read g+6p 1p
