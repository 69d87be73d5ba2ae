# private anonymous memory touched once (pages 0-3) and twice (pages 4-7), read later; a private file mapping read and written: numa_maps active=, smaps Referenced=, vmstat
machine nodes=2 cpus=2 lru=classic
vmstat
a = mmap 8p rw
write a 4p
write a+4p 4p
write a+4p 4p 0x11
numa_maps a 8p
smaps a 8p
read a 8p
numa_maps a 8p
smaps a 8p
file f 4p
p = mmap 4p rw private file=f
read p 4p
write p+2p 2p
numa_maps p 4p
smaps p 4p
vmstat
