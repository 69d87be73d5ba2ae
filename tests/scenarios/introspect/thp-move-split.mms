# thp=always: move_pages of one page of a huge page that a partial munmap left PTE-mapped: the folio is split for migration and all its pages move.
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m
munmap a+511p 1p
vmstat
move_pages a+10p to=1
nodes a,a+10p,a+510p
numa_maps a 2m
smaps a 2m
vmstat
