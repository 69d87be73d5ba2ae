machine thp=always
h = mmap 2m rw
write h 2m 0x46
mprotect h+10p 1p r
fork c
use c
madvise h 1m cold
vmstat
use main
madvise h 2m cold
vmstat
