# fork chain main -> child -> grandchild: 5 pages mapped by three (mapmax=3, Pss a third, truncated); a COW write in the middle generation leaves those pages shared by two in main and the grandchild.
machine nodes=2 cpus=2
a = mmap 5p rw
write a 5p
fork child
use child
fork grandchild
use grandchild
read a 5p
smaps a 5p
numa_maps a 5p
use child
write a+1p 2p 0x22
smaps a 5p
numa_maps a 5p
use grandchild
smaps a 5p
numa_maps a 5p
use main
smaps a 5p
numa_maps a 5p
