# fork keeps the cgroup: the child (the parent's 40 MiB + 40 MiB of its own) exceeds the 64 MiB limit and dies; the parent keeps its data
machine nodes=2 cpus=2
cgroup cg memory.max=64m
task t cgroup=cg
use t
a = mmap 40m rw
write a 40m 0x21
fork k
use k
b = mmap 40m rw
write b 40m
read a 1p
use t
read a 40m
memcg cg
