machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x39
madvise h 2m pageout
read h 256p
move_pages h,h+255p,h+256p to=1
nodes h,h+255p,h+256p
vmstat
smaps h 2m
