# parent keeps subpages 0-255, child keeps 1-255: the child (which does not map subpage 0) moves h+5p without MOVE_ALL, for both tasks
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
munmap h+256p 256p
use kid
munmap h 1p
munmap h+256p 256p
move_pages h+5p to=1
nodes h+1p,h+5p,h+255p
use main
nodes h,h+5p,h+255p
