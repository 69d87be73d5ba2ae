# main keeps subpages 0-255, child keeps subpage 0: move_pages h+5p flags=move_all from main moves the folio for both
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
use main
munmap h+256p 256p
use kid
munmap h+1p 511p
use main
move_pages h+5p to=1 flags=move_all
nodes h,h+5p,h+255p
use kid
nodes h
read h 1p
# (a view mmsim does not have yet: issue 17)
