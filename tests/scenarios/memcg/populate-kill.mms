# mmap populate is charged like a write: 32 MiB populated under memory.max 64m, then 100 MiB more: mmap = killed
machine nodes=2 cpus=2
cgroup cg memory.max=64m
task t cgroup=cg
use t
a = mmap 32m rw populate
read a 32m
b = mmap 100m rw populate
read a 1p
use main
memcg cg
