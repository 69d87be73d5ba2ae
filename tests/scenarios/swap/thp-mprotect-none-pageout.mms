machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x36
mprotect h+100p 10p none
madvise h 2m pageout
vmstat
nodes h,h+100p,h+110p
mprotect h 2m rw
read h 2m
