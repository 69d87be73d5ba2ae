# thp=madvise: only ranges advised hugepage get huge pages on first touch; the advice splits the VMA
machine nodes=2 cpus=2 thp=madvise
top = mmap 4p none
a = mmap 4m rw
madvise a 2m hugepage
vmas a 4m
write a 1
write a+2m 1
nodes a,a+1p,a+511p,a+512p,a+513p,a+1023p
madvise a+2m 2m hugepage
vmas a 4m
write a+3m 1
nodes a+512p,a+513p,a+767p,a+768p,a+1023p
