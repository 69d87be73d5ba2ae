machine thp=always
h = mmap 2m rw
write h 2m 0x3a
madvise h 1m cold
vmstat
madvise h+1m 1m cold
vmstat
