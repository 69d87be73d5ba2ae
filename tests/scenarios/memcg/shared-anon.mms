# Shared anonymous memory is charged to the writer's cgroup: 32 MiB fit under 64 MiB, writing 100 MiB kills
machine nodes=2 cpus=2
cgroup cg memory.max=64m
task t cgroup=cg
use t
a = mmap 100m rw shared
write a 32m 0x31
read a 32m
write a 100m
use main
memcg cg
