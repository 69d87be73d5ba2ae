# thp=always: a locked (MAP_LOCKED) 2 MiB mapping is one mlocked huge page; it moves whole and stays locked
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw locked
nodes a,a+511p
move_pages a+10p to=1
nodes a*512
madvise a 1p dontneed
munlock a 2m
nodes a,a+511p
read a 2m
