# main PTE-mapped (mprotect split before fork), child unmaps all: main's THP is exclusive again and moves without MOVE_ALL
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
use kid
munmap h 2m
use main
move_pages h to=1
move_pages h+300p to=1
nodes h,h+300p,h+511p
# (a view mmsim does not have yet: issue 17)
# (a view mmsim does not have yet: issue 17)
