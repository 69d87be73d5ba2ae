machine thp=always
h = mmap 2m rw
write h 2m 0x32
mlock h+10p 10p
vmstat
smaps h 2m
move_pages h+12p to=1
nodes h,h+12p
vmstat
munlock h 2m
vmstat
