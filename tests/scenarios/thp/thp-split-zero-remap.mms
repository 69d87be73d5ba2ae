# thp=always: a partly unmapped huge page with two pages written, moved by move_pages: Linux 6.12 splits it and maps its all-zero subpages to the shared zero page (numa_maps, smaps, nodes, vmstat); a later write to one gets a new page.
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 1p
write a+100p 1p
munmap a+511p 1p
vmstat
move_pages a+100p to=1
nodes a,a+1p,a+100p,a+200p
numa_maps a 2m
smaps a 2m
vmstat
write a+200p 1p
nodes a+200p
numa_maps a 2m
