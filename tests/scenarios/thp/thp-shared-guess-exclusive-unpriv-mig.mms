# unprivileged migrate_pages (MOVE only) with parent keeping subpages 0-255 and child 1-255: the folio is judged exclusive and moves for both
machine nodes=2 cpus=2 thp=always
task u uid=1000
use u
h = mmap 2m rw
write h 2m
fork kid
munmap h+256p 256p
use kid
munmap h 1p
munmap h+256p 256p
use u
migrate_pages from=0 to=1
nodes h,h+5p,h+255p
use kid
nodes h+1p,h+5p,h+255p
