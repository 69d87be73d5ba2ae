# read faults on shared memory map the aligned 16-page window of pages already present (fault-around): the child's Rss grows by more than the page read.
machine nodes=2 cpus=2
s = mmap 32p rw shared
write s 20p
fork child
use child
smaps s 32p
read s+1p 1
smaps s 32p
numa_maps s 32p
read s+17p 1
smaps s 32p
write s+24p 1
smaps s 32p
numa_maps s 32p
