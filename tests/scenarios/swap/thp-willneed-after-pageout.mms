machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x3b
mprotect h+5p 1p r
madvise h 2m pageout
madvise h 100p willneed
vmstat
read h 2m
vmstat
