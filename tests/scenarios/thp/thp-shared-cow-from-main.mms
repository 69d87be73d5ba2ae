# child writes h+256p (COW splits the child's PMD): move_pages from main (PMD-mapped) of h, h+5p, h+256p; then move_all
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
use kid
write h+256p 1 0x22
use main
move_pages h to=1
move_pages h+5p to=1
move_pages h+256p to=1
nodes h,h+5p,h+256p
move_pages h+256p to=1 flags=move_all
nodes h,h+5p,h+256p
use kid
nodes h,h+5p,h+256p,h+257p
read h+256p 1p
read h+255p 1p
# (a view mmsim does not have yet: issue 17)
