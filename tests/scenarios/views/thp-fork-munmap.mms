# thp=always: fork, the child's write splits its PMD (thp_split_pmd), then the child unmaps the whole 2 MiB and the parent's Pss is whole again; munmap of the parent's whole huge page moves no counter.
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 1p
fork child
use child
write a+3p 1 0x33
smaps a 2m
munmap a 2m
smaps a 2m
vmstat
use main
smaps a 2m
numa_maps a 2m
munmap a 2m
numa_maps a 2m
vmstat
