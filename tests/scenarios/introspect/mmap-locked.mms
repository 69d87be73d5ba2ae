# MAP_LOCKED: populated at mmap, VmFlags lo, smaps Locked=, numa_maps active=, vmstat unevictable_pgs_mlocked; read-only gets zero pages.
machine nodes=2 cpus=2
vmstat
a = mmap 8p rw locked
smaps a 8p
numa_maps a 8p
vmstat
b = mmap 4p r locked
smaps b 4p
numa_maps b 4p
munmap a 8p
vmstat
