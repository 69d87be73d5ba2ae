# mlock then munlock of written private anonymous memory and of a tmpfs file's shared mapping: active= while locked (unevictable), after munlock, and a dontneed of the file pages afterwards
machine nodes=2 cpus=2 lru=classic
vmstat
a = mmap 8p rw
write a 8p
file f 4p
s = mmap 4p rw shared file=f
write s 4p
numa_maps a 8p
mlock a 4p
mlock s 4p
numa_maps a 8p
numa_maps s 4p
smaps s 4p
vmstat
munlock a 4p
munlock s 4p
numa_maps a 8p
numa_maps s 4p
smaps a 8p
vmstat
madvise s 4p dontneed
read s 4p
numa_maps s 4p
vmstat
madvise a 8p cold
numa_maps a 8p
vmstat
