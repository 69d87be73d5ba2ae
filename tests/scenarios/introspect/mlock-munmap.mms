# mlock populates untouched memory; munmap and munlock+dontneed of locked pages: which unevictable_pgs_* counters move.
machine nodes=2 cpus=2
vmstat
a = mmap 8p rw
mlock a 4p
smaps a 8p
numa_maps a 8p
vmstat
munmap a+2p 2p
vmstat
madvise a 2p dontneed
munlock a 2p
madvise a 2p dontneed
smaps a 8p
vmstat
