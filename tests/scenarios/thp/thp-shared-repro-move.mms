# repro, then the parent moves the partly COWed THP (h+6p) to node 1 without MOVE_ALL (child gone: exclusive); reads after
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
move_pages h+6p,h+5p,g to=1
nodes h*8,g,g+511p
read h+6p 1p
read h+5p 1p
read g+6p 1p
read h 2m
# (a view mmsim does not have yet: issue 17)
