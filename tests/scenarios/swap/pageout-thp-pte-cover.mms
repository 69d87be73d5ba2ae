machine thp=always
swapon 64m
h = mmap 4m rw
write h 4m 0x48
mprotect h+10p 1p r
mprotect h+10p 1p rw
madvise h+256p 512p pageout
vmstat
nodes h,h+255p,h+256p,h+511p,h+512p,h+767p,h+768p
read h 4m
