# The limit on the parent applies to a task in the child: killed writing 100 MiB under a 64 MiB parent; memory.events of parent and child
machine nodes=2 cpus=2
cgroup p memory.max=64m
cgroup c parent=p
task t cgroup=c
use t
a = mmap 100m rw
write a 32m
memcg p
memcg c
write a 100m
use main
memcg p
memcg c
