# memory.oom.group on the parent: an OOM in the child's own limit kills every task under the parent that has the group flag, and counts there
machine nodes=2 cpus=2
cgroup p memory.oom.group=1
cgroup c1 parent=p memory.max=24m
cgroup c2 parent=p
task a cgroup=c1
task b cgroup=c2
use b
y = mmap 4m rw
write y 4m 0x22
use a
x = mmap 64m rw
write x 64m 0x11
use b
read y 1p
use main
memcg c1
memcg c2
memcg p
