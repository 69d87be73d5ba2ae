# child writes h+256p (COW splits the child's PMD): move_pages from the child of h, h+5p (THP still PMD-mapped by main: shared) and h+256p (its own copy)
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
use kid
write h+256p 1 0x22
move_pages h to=1
move_pages h+5p to=1
move_pages h+256p to=1
move_pages h+257p to=1
nodes h,h+5p,h+256p,h+257p
use main
nodes h,h+5p,h+256p,h+257p
# (a view mmsim does not have yet: issue 17)
