# THP PMD-mapped in parent and child (no writes after fork): move_pages without MOVE_ALL is EACCES for any subpage, from either task
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
move_pages h to=1
move_pages h+100p to=1
move_pages h,h+100p,h+511p to=1 flags=move
use kid
move_pages h to=1
move_pages h+100p to=1
nodes h,h+511p
# (a view mmsim does not have yet: issue 17)
