# child unmaps the whole THP: main's PMD-mapped THP is exclusive again and moves without MOVE_ALL
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 2m
fork kid
use kid
munmap h 2m
use main
move_pages h to=1
nodes h,h+511p
# (a view mmsim does not have yet: issue 17)
# (a view mmsim does not have yet: issue 17)
