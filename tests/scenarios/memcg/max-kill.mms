# memory.max 64m without swap: 32 MiB fit, writing 128 MiB kills the writer; its later commands are ESRCH; a new task in the cgroup then fits
machine nodes=2 cpus=2
cgroup small memory.max=64m
task t cgroup=small
use t
a = mmap 128m rw
write a 32m
read a 32m
memcg small
write a 128m
read a 1p
munmap a 128m
use main
memcg small
task u cgroup=small
use u
b = mmap 32m rw
write b 32m 0x33
read b 32m
memcg small
