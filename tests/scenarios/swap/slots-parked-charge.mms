# The per-CPU swap slots cache keeps freed slots charged: 256 pages paged out
# under memory.swap.max 1m, unmapped (the last 64 freed slots wait in CPU 0's
# return cache, still charged), then 256 more paged out: the first that finds
# no charge room parks its slot, which sends the 64 back; all others fit
swapon 64m
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
read b 256p
memcg cg
