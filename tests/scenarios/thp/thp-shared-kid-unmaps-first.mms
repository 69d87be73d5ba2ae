# child unmaps only subpage 0 (its PMD split), main still PMD-mapped: main's move_pages h+5p is EACCES (entire mapping + other mappings)
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
use kid
munmap h 1p
use main
move_pages h+5p to=1
move_pages h to=1
nodes h,h+5p
use kid
move_pages h+5p to=1
nodes h+5p
# (a view mmsim does not have yet: issue 17)
