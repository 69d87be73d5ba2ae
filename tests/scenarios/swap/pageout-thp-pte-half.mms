machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x11
mprotect h+256p 4p r
vmstat
madvise h 1m pageout
vmstat
nodes h,h+255p,h+256p,h+511p
smaps h 2m
read h 2m
