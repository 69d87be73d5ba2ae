# A limit on the child under a larger parent: the child's 32 MiB limit kills its task writing 64 MiB; a task in a sibling writes 64 MiB under the 100 MiB parent
machine nodes=2 cpus=2
cgroup p memory.max=100m
cgroup c parent=p memory.max=32m
cgroup s parent=p
task t cgroup=c
task u cgroup=s
use t
a = mmap 64m rw
write a 64m
use u
b = mmap 64m rw
write b 64m
read b 64m
use main
memcg p
memcg c
memcg s
