# Two tasks in a 64 MiB cgroup: t holds 16 MiB, u writes 100 MiB and, being the largest, is itself killed; t's data is intact
machine nodes=2 cpus=2
cgroup cg memory.max=64m
task t cgroup=cg
task u cgroup=cg
use t
a = mmap 16m rw
write a 16m 0x44
use u
b = mmap 100m rw
write b 100m
read b 1p
use t
read a 16m
memcg cg
