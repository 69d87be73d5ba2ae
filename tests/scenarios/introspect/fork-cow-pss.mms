# fork then COW in both tasks: Pss, Shared_Dirty/Private_Dirty and numa_maps mapped=/mapmax= as pages stop being shared.
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
fork child
numa_maps a 8p
write a 2p 0x11
smaps a 8p
numa_maps a 8p
use child
write a+6p 2p 0x22
smaps a 8p
numa_maps a 8p
use main
smaps a 8p
numa_maps a 8p
