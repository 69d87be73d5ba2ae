# A file page is charged to the cgroup that first touched it: t (memory.max 32m) reads and rewrites 100 MiB that main wrote, no kill; writing 100 MiB of a new file kills it
machine nodes=2 cpus=2
file f 100m
file g 100m
cgroup cg memory.max=32m
r = mmap 100m rw shared file=f
write r 100m 0x66
task t cgroup=cg
use t
m = mmap 100m rw shared file=f
read m 100m
write m 100m 0x67
memcg cg
n = mmap 100m rw shared file=g
write n 100m
use main
read r 100m
