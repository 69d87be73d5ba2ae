# a tmpfs file's pages accessed through a shared mapping and unmapped by dontneed (a young PTE zapped marks the page accessed): pages 0-1 once, 2-3 twice, 4-5 three times
machine nodes=2 cpus=2 lru=classic
vmstat
file f 6p
s = mmap 6p rw shared file=f
write s 6p
numa_maps s 6p
madvise s 6p dontneed
vmstat
read s 6p
numa_maps s 6p
madvise s+2p 4p dontneed
vmstat
read s 6p
numa_maps s 6p
madvise s+4p 2p dontneed
vmstat
read s 6p
numa_maps s 6p
smaps s 6p
vmstat
