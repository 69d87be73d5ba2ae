# repro variant with madvise dontneed: child drops the first 1m, parent drops h+256p 8p, parent writes h+5p; new THP g; reads
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m 0x11
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
use kid
madvise h 1m dontneed
use main
madvise h+256p 8p dontneed
write h+5p 1 0x33
g = mmap 2m rw
write g 2m 0x44
read h+6p 1p
read h+256p 1p
read h+300p 1p
read g+6p 1p
use kid
read h+6p 1p
read h+300p 1p
nodes h,h+256p,h+300p
use main
# (a view mmsim does not have yet: issue 17)
# (a view mmsim does not have yet: issue 17)
