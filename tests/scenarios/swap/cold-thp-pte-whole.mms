machine thp=always
h = mmap 2m rw
write h 2m 0x45
mprotect h+10p 1p r
mprotect h+10p 1p rw
madvise h 2m cold
vmstat
numa_maps h 2m
madvise h 1m cold
vmstat
numa_maps h 2m
