# parent keeps only subpage 0, child still PMD-maps the THP: from either task move_pages is EACCES (entire mapping)
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
munmap h+1p 511p
move_pages h to=1
use kid
move_pages h+5p to=1
move_pages h to=1
nodes h,h+5p
# (a view mmsim does not have yet: issue 17)
