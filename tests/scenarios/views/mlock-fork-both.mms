# fork of a written mapping, then mlock of all of it in the parent and of part in the child: each mlock breaks COW where pages are still shared; Locked=, numa_maps active=, unevictable counters.
machine nodes=2 cpus=2
vmstat
a = mmap 6p rw
write a 6p
fork child
mlock a 6p
smaps a 6p
vmstat
use child
numa_maps a 6p
smaps a 6p
mlock a 4p
smaps a 6p
numa_maps a 6p
use main
numa_maps a 6p
vmstat
