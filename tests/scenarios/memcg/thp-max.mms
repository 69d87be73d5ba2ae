# thp=always under memory.max 64m: 32 MiB of huge pages fit, writing 128 MiB kills as without THP
machine nodes=2 cpus=2 thp=always
cgroup cg memory.max=64m
task t cgroup=cg
use t
a = mmap 128m rw
write a 32m
smaps a 128m
write a 128m
use main
memcg cg
