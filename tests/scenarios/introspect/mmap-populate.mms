# MAP_POPULATE: private rw gets real pages, private r only zero-page PTEs (Rss 0), shared rw real pages; no lo flag and no vmstat event.
machine nodes=2 cpus=2
vmstat
a = mmap 4p rw populate
b = mmap 4p r populate
c = mmap 4p rw shared populate
numa_maps c 12p
smaps c 12p
vmstat
