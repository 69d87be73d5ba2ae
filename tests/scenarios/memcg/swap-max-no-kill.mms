# With swap, a task writes 100 MiB (three times its 32 MiB memory.max): no kill, the data reads back
machine nodes=2 cpus=2
swapon 1g
cgroup cg memory.max=32m
task t cgroup=cg
use t
a = mmap 100m rw
write a 50m 0x61
write a+50m 50m 0x62
read a 50m
read a+50m 50m
memcg cg
