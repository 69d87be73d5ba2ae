# tmpfs file pages are charged to the writer's cgroup: t writing 100 MiB of a file under 64 MiB is killed; the pages it wrote stay and main reads them
machine nodes=2 cpus=2
file f 100m
cgroup cg memory.max=64m
task t cgroup=cg
use t
m = mmap 100m rw shared file=f
write m 100m 0x55
use main
memcg cg
r = mmap 100m r shared file=f
read r 32m
