# madvise cold and pageout on a shared tmpfs file mapping and on a private one with a COW page: what stays mapped (Rss, numa_maps) and pgdeactivate/pgactivate.
machine nodes=2 cpus=2
vmstat
file f 8p
s = mmap 8p rw shared file=f
write s 8p
madvise s 4p cold
smaps s 8p
vmstat
madvise s+4p 4p pageout
smaps s 8p
numa_maps s 8p
vmstat
p = mmap 8p rw private file=f
read p 8p
write p 1p
madvise p 8p pageout
smaps p 8p
numa_maps p 8p
vmstat
