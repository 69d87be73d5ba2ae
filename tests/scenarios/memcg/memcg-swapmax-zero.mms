swapon 64m
cgroup g memory.max=2m memory.swap.max=0
task t cgroup=g
use t
a = mmap 4m rw
write a 4m 0x41
memcg g
