# thp=always: read and write faults in 2 MiB-aligned ranges allocate huge pages (no huge zero page): numa_maps, AnonHugePages, thp_fault_alloc.
machine nodes=2 cpus=2 thp=always
vmstat
a = mmap 2m r
read a 1
numa_maps a 2m
smaps a 2m
vmstat
b = mmap 2m rw
write b+1m 1
numa_maps b 2m
smaps b 2m
vmstat
c = mmap 8p rw
write c 8p
smaps c 8p
