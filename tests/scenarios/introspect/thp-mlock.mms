# thp=always: mlock of a PMD-mapped huge page (Locked=, lo, unevictable_pgs_mlocked); munlock of half splits the VMA and the PMD.
machine nodes=2 cpus=2 thp=always
vmstat
a = mmap 2m rw
write a 1p
mlock a 2m
smaps a 2m
numa_maps a 2m
vmstat
munlock a+1m 1m
smaps a 2m
numa_maps a 2m
vmstat
