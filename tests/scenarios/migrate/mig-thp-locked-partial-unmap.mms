machine thp=always
a = mmap 2m rw locked
munmap a+511p 1p
vmstat
move_pages a+20p to=1
nodes a,a+20p,a+510p
vmstat
munlock a 511p
vmstat
