# thp=always: mprotect of part of a huge page splits the VMA and the PMD (thp_split_pmd), AnonHugePages drops; restoring rw merges the VMA only.
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m
smaps a 2m
mprotect a+1m 4p r
smaps a 2m
numa_maps a 2m
vmstat
mprotect a+1m 4p rw
smaps a 2m
vmstat
