# thp=madvise + hugepage on a read-only mapping: a read faults a huge page (thp_fault_alloc, dirty=512); mprotect rw and a write reuse it; mprotect none of a part splits the PMD only.
machine nodes=2 cpus=2 thp=madvise
b = mmap 2m r
madvise b 2m hugepage
read b+7p 1
smaps b 2m
numa_maps b 2m
vmstat
mprotect b 2m rw
write b+9p 1
smaps b 2m
vmstat
mprotect b+8p 8p none
smaps b 2m
numa_maps b 2m
vmstat
