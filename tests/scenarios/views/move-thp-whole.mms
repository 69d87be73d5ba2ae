# thp=always: move_pages of a middle subpage of a PMD-mapped huge page moves all 512 (numa_maps N1=512, AnonHugePages kept); two subpages of it in one call back to node 0.
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 1p
move_pages a+100p to=1
numa_maps a 2m
smaps a 2m
nodes a,a+511p
vmstat
move_pages a+511p,a to=0
nodes a,a+511p
numa_maps a 2m
smaps a 2m
vmstat
