# madvise cold and pageout skip pages mapped by two processes (COW-shared after fork): no pgdeactivate/pgactivate and Referenced= kept for them; each task's private pages are handled.
machine nodes=2 cpus=2
vmstat
a = mmap 8p rw
write a 8p
fork child
use child
read a 8p
write a+6p 2p 0x66
madvise a 8p cold
smaps a 8p
vmstat
madvise a 8p pageout
smaps a 8p
vmstat
use main
madvise a 8p cold
smaps a 8p
numa_maps a 8p
vmstat
