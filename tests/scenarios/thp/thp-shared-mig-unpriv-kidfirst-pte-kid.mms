# migrate_pages pid=kid from=0 to=1 by an unprivileged task (uid 1000: MOVE only); parent PTE-mapped (mprotect split before fork), child unmapped subpage 0; then where each subpage is in both tasks
machine nodes=2 cpus=2 thp=always
task u uid=1000
use u
h = mmap 2m rw
write h 2m
mprotect h+1p 1p r
mprotect h+1p 1p rw
fork kid
use kid
munmap h 1p
use u
migrate_pages pid=kid from=0 to=1
nodes h*2,h+256p*2,h+511p
use kid
nodes h*2,h+256p*2,h+511p
