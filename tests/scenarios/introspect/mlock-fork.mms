# fork of an mlocked mapping: the child is not locked; the parent's Locked= is its Pss while pages are shared; mlock in the child breaks COW.
machine nodes=2 cpus=2
a = mmap 8p rw locked
write a 8p
smaps a 8p
fork child
smaps a 8p
use child
smaps a 8p
write a 2p 0x33
mlock a+4p 4p
smaps a 8p
numa_maps a 8p
use main
smaps a 8p
numa_maps a 8p
vmstat
