machine thp=always
a = mmap 2m rw
write a 2m
mlock a 2m
mprotect a+10p 1p r
vmstat
move_pages a+20p to=1
vmstat
munlock a 2m
vmstat
