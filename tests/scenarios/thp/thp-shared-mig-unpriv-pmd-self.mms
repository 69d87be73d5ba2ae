# migrate_pages from=0 to=1 by an unprivileged task (uid 1000: MOVE only); THP PMD-mapped in both tasks; then where each subpage is in both tasks
machine nodes=2 cpus=2 thp=always
task u uid=1000
use u
h = mmap 2m rw
write h 2m
fork kid
migrate_pages from=0 to=1
nodes h*2,h+256p*2,h+511p
use kid
nodes h*2,h+256p*2,h+511p
