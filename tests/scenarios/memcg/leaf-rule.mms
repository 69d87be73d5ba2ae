# cgroup v2 keeps processes in leaves: a child of a cgroup with a task is EBUSY (and commands naming it ENOENT); a task cannot join a cgroup that has a child
machine nodes=2 cpus=2
cgroup p memory.max=64m
task t cgroup=p
cgroup c parent=p
task x cgroup=c
cgroup_set c memory.max=32m
memcg c
cgroup q
cgroup r parent=q
task u cgroup=q
use u
a = mmap 1p rw
task v cgroup=r
use v
b = mmap 4m rw
write b 4m
memcg q
