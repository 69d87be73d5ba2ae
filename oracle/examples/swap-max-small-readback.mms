# memory.max 32m and memory.swap.max 16m: 40 MiB written fit, but reading them back (swap-in) kills the task
machine nodes=2 cpus=2
swapon 1g
cgroup cg memory.max=32m memory.swap.max=16m
task t cgroup=cg
use t
a = mmap 40m rw
write a 40m
read a 40m
read a 1p
