# MAP_LOCKED shared anonymous memory: populated clean and mlocked; munmap of the middle munlocks those pages though the object keeps them; a child's unlocked view.
machine nodes=2 cpus=2
vmstat
s = mmap 8p rw shared locked
smaps s 8p
numa_maps s 8p
write s 2p
munmap s+3p 2p
smaps s 8p
numa_maps s 8p
vmstat
fork child
use child
read s 3p
read s+5p 3p
smaps s 8p
numa_maps s 8p
vmstat
