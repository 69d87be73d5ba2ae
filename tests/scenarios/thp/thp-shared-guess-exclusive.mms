# parent keeps subpages 0-255, child keeps 1-255 (total 511 mappings, subpage 0 mapped once): judged exclusive, so move_pages without MOVE_ALL moves the shared h+5p for both
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
munmap h+256p 256p
use kid
munmap h 1p
munmap h+256p 256p
use main
move_pages h+5p to=1
nodes h,h+5p,h+255p
use kid
nodes h+1p,h+5p,h+255p
read h+5p 1p
# (a view mmsim does not have yet: issue 17)
