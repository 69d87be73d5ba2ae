# main keeps subpages 0-255, child keeps only subpage 0: main's h+5p is exclusive but judged by subpage 0 (mapped twice): EACCES
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
use main
munmap h+256p 256p
use kid
munmap h+1p 511p
use main
move_pages h+5p to=1
move_pages h to=1
nodes h,h+5p,h+255p
use kid
move_pages h to=1
nodes h
# (a view mmsim does not have yet: issue 17)
