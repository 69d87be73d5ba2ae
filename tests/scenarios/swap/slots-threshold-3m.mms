# The slots cache is on only when more than 640 slots (5 x 64 x 2 CPUs) are
# free: a 3m area, memory.swap.max 1m, 256 pages paged out, unmapped, 256 more
swapon 3m
cgroup cg memory.swap.max=1m
task t cgroup=cg
use t
a = mmap 256p rw
write a 256p 0x61
madvise a 256p pageout
munmap a 256p
b = mmap 256p rw
write b 256p 0x62
madvise b 256p pageout
smaps b 256p
vmstat
