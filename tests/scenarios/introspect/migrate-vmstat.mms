# vmstat pgmigrate_success for 4 KiB move_pages: pages already on the target do not count; mlocked pages move and stay locked.
machine nodes=2 cpus=2
vmstat
a = mmap 8p rw
write a 8p
move_pages a*4 to=1
vmstat
move_pages a*4 to=1
vmstat
mlock a+4p 4p
move_pages a+4p*4 to=1
nodes a*8
smaps a 8p
numa_maps a 8p
vmstat
