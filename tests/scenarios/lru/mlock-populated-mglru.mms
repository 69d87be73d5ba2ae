# mmap populate then mlock (a second FOLL_TOUCH) and munlock, for private anonymous memory and a tmpfs file; a locked mapping (MAP_LOCKED) unlocked; then cold and pageout
machine nodes=2 cpus=2 lru=mglru
vmstat
file f 4p
a = mmap 4p rw populate
s = mmap 4p rw shared file=f populate
numa_maps a 4p
numa_maps s 4p
vmstat
mlock a 4p
mlock s 4p
numa_maps a 4p
numa_maps s 4p
vmstat
munlock a 4p
munlock s 4p
numa_maps a 4p
numa_maps s 4p
vmstat
l = mmap 4p rw locked
numa_maps l 4p
munlock l 4p
numa_maps l 4p
smaps l 4p
vmstat
madvise l 4p cold
madvise s 4p pageout
madvise a 4p pageout
numa_maps a 4p
vmstat
