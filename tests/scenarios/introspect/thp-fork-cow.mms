# thp=always: fork shares a PMD-mapped huge page (Pss halves, AnonHugePages in both); a child's write splits only its PMD and copies one 4 KiB page.
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m
fork child
smaps a 2m
numa_maps a 2m
use child
write a+5p 1
smaps a 2m
numa_maps a 2m
vmstat
use main
smaps a 2m
numa_maps a 2m
