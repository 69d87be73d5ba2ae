swapon 64m
cgroup g memory.max=16m
task t cgroup=g
use t
a = mmap 4m rw
write a 4m 0x43
madvise a 4m pageout
vmstat
read a 4m
memcg g
