# memory.max 32m and memory.swap.max 16m: 40 MiB fit (memory + swap), writing 100 MiB kills
machine nodes=2 cpus=2
swapon 1g
cgroup cg memory.max=32m memory.swap.max=16m
task t cgroup=cg
use t
a = mmap 100m rw
write a 40m
write a 100m
read a 1p
