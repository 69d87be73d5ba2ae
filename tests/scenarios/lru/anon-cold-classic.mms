# madvise cold on part of a written private anonymous range, then pageout without swap (pgactivate, PG_active), then cold again: pgdeactivate, active=, Referenced=
machine nodes=2 cpus=2 lru=classic
vmstat
a = mmap 8p rw
write a 8p
numa_maps a 8p
madvise a 4p cold
numa_maps a 8p
smaps a 8p
vmstat
write a 2p 0x22
smaps a 8p
madvise a 8p pageout
numa_maps a 8p
smaps a 8p
vmstat
madvise a 2p cold
numa_maps a 8p
vmstat
madvise a 8p cold
numa_maps a 8p
smaps a 8p
vmstat
