# Raising memory.max from 32m to 128m lets the task write 100 MiB; setting it back to max is accepted
machine nodes=2 cpus=2
cgroup cg memory.max=32m
task t cgroup=cg
use t
a = mmap 100m rw
write a 16m
cgroup_set cg memory.max=128m
write a 100m 0x77
read a 100m
cgroup_set cg memory.max=max memory.high=max
memcg cg
