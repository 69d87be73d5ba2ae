machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x34
fork c
madvise h 2m pageout
vmstat
use c
write h+3p 1p 0x35
madvise h 2m pageout
vmstat
read h 2m
use main
read h 2m
