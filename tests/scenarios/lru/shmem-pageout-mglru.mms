# shared anonymous memory and a tmpfs file written through shared mappings: pageout without swap unmaps them and keeps them (pgactivate); read back they show active= per LRU; then cold
machine nodes=2 cpus=2 lru=mglru
vmstat
a = mmap 8p rw shared
write a 8p
numa_maps a 8p
madvise a 4p pageout
nodes a*8
vmstat
read a 8p
numa_maps a 8p
smaps a 8p
file f 4p
s = mmap 4p rw shared file=f
write s 4p
madvise s+2p 2p pageout
read s 4p
numa_maps s 4p
vmstat
madvise a 8p cold
madvise s 4p cold
numa_maps a 8p
numa_maps s 4p
smaps a 8p
vmstat
