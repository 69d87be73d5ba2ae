# Issue 14, cause 2: a PTE-mapped huge page is judged by its first subpage (EACCES for h+5p, which only main maps)
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
munmap h+256p 256p
use kid
munmap h+1p 511p
use main
move_pages h+5p to=1
