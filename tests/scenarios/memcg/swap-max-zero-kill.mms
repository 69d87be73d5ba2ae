# memory.swap.max=0: swap is on but the cgroup may not use it, so writing 100 MiB under memory.max 32m kills
machine nodes=2 cpus=2
swapon 1g
cgroup cg memory.max=32m memory.swap.max=0
task t cgroup=cg
use t
a = mmap 100m rw
write a 16m
write a 100m
use main
memcg cg
