# main PTE-mapped (mprotect split before fork), child unmaps subpage 0: main's move_pages h+5p judged by subpage 0 (now exclusive) moves the folio, child's pages too
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
use kid
munmap h 1p
use main
move_pages h+5p to=1
nodes h,h+5p,h+511p
use kid
nodes h+1p,h+5p,h+511p
move_pages h+5p to=0
nodes h+5p
read h+5p 1p
# (a view mmsim does not have yet: issue 17)
