# thp=always: a huge page PTE-mapped by an mprotect split (fully mapped, three VMAs) with one page written: move_pages of one page moves the whole folio; a second move splits it and its zero-filled subpages become the zero page (numa_maps, smaps, counters).
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 1p
mprotect a+256p 4p r
vmstat
move_pages a+300p to=1
nodes a,a+256p,a+511p
numa_maps a 2m
smaps a 2m
vmstat
move_pages a+257p to=0
nodes a,a+256p,a+257p,a+511p
numa_maps a 2m
smaps a 2m
vmstat
