machine thp=always
swapon 128m
h = mmap 2m rw
write h 2m 0x37
madvise h 1m cold
vmstat
numa_maps h 2m
