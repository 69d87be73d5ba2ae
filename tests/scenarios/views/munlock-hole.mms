# mlock of 8 pages, munmap of the middle, then munlock and mlock over the gap: ENOMEM, and which VMAs changed anyway (smaps lo/Locked=, counters).
machine nodes=2 cpus=2
vmstat
a = mmap 8p rw
write a 8p
mlock a 8p
munmap a+3p 2p
smaps a 8p
vmstat
munlock a 8p
smaps a 8p
numa_maps a 8p
vmstat
mlock a 8p
smaps a 8p
numa_maps a 8p
vmstat
