# memory.high 32m without swap: writing 40 MiB is throttled, never killed
machine nodes=2 cpus=2
cgroup cg memory.high=32m
task t cgroup=cg
use t
a = mmap 40m rw
write a 40m
read a 40m
memcg cg
