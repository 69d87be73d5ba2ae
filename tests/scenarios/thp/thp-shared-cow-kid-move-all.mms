# child writes h+256p then moves h with flags=move_all: the shared THP moves for both, the child's own copy stays
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
use kid
write h+256p 1 0x22
move_pages h to=1 flags=move_all
move_pages h+256p to=1 flags=move_all
nodes h,h+5p,h+256p,h+511p
use main
nodes h,h+5p,h+256p,h+511p
# (a view mmsim does not have yet: issue 17)
# (a view mmsim does not have yet: issue 17)
