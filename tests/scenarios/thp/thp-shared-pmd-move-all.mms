# THP PMD-mapped in parent and child: move_pages flags=move_all of a middle subpage moves the whole THP for both tasks
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
move_pages h+100p to=1 flags=move_all
nodes h,h+100p,h+511p
# (a view mmsim does not have yet: issue 17)
use kid
nodes h,h+100p,h+511p
# (a view mmsim does not have yet: issue 17)
read h 2m
# (a view mmsim does not have yet: issue 17)
