# migrate_pages pid=kid from=0 to=1 by an unprivileged task (uid 1000: MOVE only); parent keeps subpages 0-255, child keeps subpage 0; then where each subpage is in both tasks
machine nodes=2 cpus=2 thp=always
task u uid=1000
use u
h = mmap 2m rw
write h 2m
fork kid
munmap h+256p 256p
use kid
munmap h+1p 511p
use u
migrate_pages pid=kid from=0 to=1
nodes h*2,h+256p*2,h+511p
use kid
nodes h*2,h+256p*2,h+511p
