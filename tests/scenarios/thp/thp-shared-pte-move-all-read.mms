# PTE-mapped parent THP shared with a child: move_pages h flags=move_all moves it for both; contents intact
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m 0x11
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
move_pages h to=1
move_pages h to=1 flags=move_all
read h 1p
read h+300p 1p
nodes h*4,h+300p,h+511p
# (a view mmsim does not have yet: issue 17)
use kid
read h 1p
nodes h*4,h+300p,h+511p
# (a view mmsim does not have yet: issue 17)
