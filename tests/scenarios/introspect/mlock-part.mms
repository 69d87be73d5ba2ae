# mlock and munlock of part of a written mapping: lo and Locked= on the middle piece, numa_maps active=, vmstat unevictable_pgs_mlocked/munlocked.
machine nodes=2 cpus=2
vmstat
a = mmap 8p rw
write a 8p
numa_maps a 8p
mlock a+2p 4p
smaps a 8p
numa_maps a 8p
vmstat
munlock a+2p 4p
smaps a 8p
numa_maps a 8p
vmstat
