# madvise pageout without swap twice on written private anonymous memory, touched in between: pgactivate each time, numa_maps active= of the pages reclaim kept
machine nodes=2 cpus=2 lru=classic
a = mmap 6p rw
write a 6p
madvise a 3p pageout
numa_maps a 6p
vmstat
write a 6p 0x33
madvise a 6p pageout
numa_maps a 6p
smaps a 6p
vmstat
read a 6p
numa_maps a 6p
vmstat
