# thp=madvise: 4 pages written (then made cold, so khugepaged finds them unreferenced) before madvise hugepage stay 4 KiB; a write into the untouched aligned 2 MiB range after it faults a huge page (thp_fault_alloc).
machine nodes=2 cpus=2 thp=madvise
a = mmap 4m rw
write a 4p
madvise a 4p cold
vmstat
madvise a 4m hugepage
write a+2m 1p
smaps a 4m
numa_maps a 4m
vmstat
