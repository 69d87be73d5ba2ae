# shared anonymous memory: numa_maps file=/dev/zero\040(deleted), VmFlags sh/ms, no Anonymous; after fork mapped=/mapmax= and Pss halves.
machine nodes=2 cpus=2
s = mmap 8p rw shared
numa_maps s 8p
smaps s 8p
write s 4p
numa_maps s 8p
smaps s 8p
fork child
use child
read s 8p
numa_maps s 8p
smaps s 8p
use main
numa_maps s 8p
smaps s 8p
