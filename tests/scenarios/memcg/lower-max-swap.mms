# With swap, lowering memory.max below the usage (100 MiB to 32m) pushes pages to swap: no kill, the data reads back
machine nodes=2 cpus=2
swapon 1g
cgroup cg memory.max=128m
task t cgroup=cg
use t
a = mmap 100m rw
write a 100m 0x78
read a 100m
cgroup_set cg memory.max=32m
read a 100m
memcg cg
