# madvise dontneed drops private pages from Rss and numa_maps; on shared anonymous memory only the mapping goes, a read maps the pages back.
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
madvise a+2p 4p dontneed
smaps a 8p
numa_maps a 8p
s = mmap 8p rw shared
write s 8p
madvise s 8p dontneed
smaps s 8p
numa_maps s 8p
read s+1p 1
smaps s 8p
numa_maps s 8p
vmstat
