# seven tasks share 3 pages by fork (mapmax=7, Pss 12/7 kB truncated); a COW write in one child changes every task's Pss in its own rounding.
machine nodes=2 cpus=2
a = mmap 3p rw
write a 3p
fork c1
fork c2
fork c3
fork c4
fork c5
fork c6
smaps a 3p
numa_maps a 3p
use c3
write a+1p 1 0x33
smaps a 3p
numa_maps a 3p
use main
smaps a 3p
numa_maps a 3p
use c6
smaps a 3p
