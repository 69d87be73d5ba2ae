# migrate_pages from=0 to=1 by main (CAP_SYS_NICE: MOVE_ALL); parent PTE-mapped (mprotect split before fork), child unmapped all of h; then where each subpage is in both tasks
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
use kid
munmap h 2m
use main
migrate_pages from=0 to=1
nodes h*2,h+256p*2,h+511p
use kid
nodes h*2,h+256p*2,h+511p
