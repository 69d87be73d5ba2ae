# Issue 14, cause 2: a PMD mapping in another process makes the huge page shared (EACCES without MOVE_ALL)
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
use kid
write h+256p 1
move_pages h to=1
