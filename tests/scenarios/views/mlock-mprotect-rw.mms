# mlock of a read-only private mapping maps zero pages (no Rss, nothing mlocked); mprotect rw of part of it faults that part in at once as locked dirty anonymous pages; munlock.
machine nodes=2 cpus=2
vmstat
a = mmap 8p r
mlock a 8p
smaps a 8p
numa_maps a 8p
vmstat
mprotect a+2p 4p rw
smaps a 8p
numa_maps a 8p
vmstat
munlock a 8p
smaps a 8p
numa_maps a 8p
vmstat
