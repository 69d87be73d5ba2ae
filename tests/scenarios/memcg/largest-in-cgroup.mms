# The memcg OOM killer chooses inside the cgroup: main (200 MiB, outside) survives, t (40 MiB) dies while u writes 30 MiB, and u's write completes
machine nodes=2 cpus=2
cgroup cg memory.max=64m
a = mmap 200m rw
write a 200m 0x11
task t cgroup=cg
task u cgroup=cg
use t
b = mmap 40m rw
write b 40m 0x22
use u
c = mmap 30m rw
write c 30m 0x33
read c 30m
use t
read b 1p
use main
read a 200m
