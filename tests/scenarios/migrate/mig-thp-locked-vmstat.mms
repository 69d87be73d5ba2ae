machine thp=always
a = mmap 2m rw locked
vmstat
move_pages a+10p to=1
vmstat
munlock a 2m
vmstat
