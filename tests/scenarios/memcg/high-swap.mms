# memory.high 32m with swap: writing 100 MiB succeeds (reclaimed to swap, not killed) and reads back
machine nodes=2 cpus=2
swapon 1g
cgroup cg memory.high=32m
task t cgroup=cg
use t
a = mmap 100m rw
write a 100m 0x71
read a 100m
memcg cg
