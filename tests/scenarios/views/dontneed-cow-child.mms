# fork, then madvise dontneed in the child: its COW copies are freed and shared entries dropped (a read maps zero pages, not counted); the parent's pages become private again (Pss, Private_Dirty, mapmax).
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
fork child
use child
write a 2p 0x11
madvise a 4p dontneed
smaps a 8p
numa_maps a 8p
read a 4p
smaps a 8p
numa_maps a 8p
use main
smaps a 8p
numa_maps a 8p
vmstat
