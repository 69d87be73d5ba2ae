# Without swap, lowering memory.max (64m to 16m) below the 32 MiB a task holds succeeds and kills the task; a new task in the cgroup then writes 8 MiB
machine nodes=2 cpus=2
cgroup cg memory.max=64m
task t cgroup=cg
use t
a = mmap 32m rw
write a 32m
cgroup_set cg memory.max=16m
read a 1p
task u cgroup=cg
use u
b = mmap 8m rw
write b 8m 0x12
read b 8m
