# madvise cold and pageout without swap on private and shared anonymous memory: vmstat pgdeactivate/pgactivate, numa_maps active=, smaps Referenced=.
machine nodes=2 cpus=2
vmstat
a = mmap 8p rw
write a 8p
numa_maps a 8p
madvise a 4p cold
numa_maps a 8p
smaps a 8p
vmstat
madvise a+4p 4p pageout
smaps a 8p
vmstat
s = mmap 8p rw shared
write s 8p
madvise s 8p pageout
smaps s 8p
numa_maps s 8p
vmstat
