# memory.min, low, high and swap.max accept sizes and max, at creation and later, under a parent too
machine nodes=2 cpus=2
cgroup p memory.max=256m memory.high=200m memory.low=16m memory.min=8m memory.swap.max=max
cgroup c parent=p memory.min=4m memory.low=8m memory.high=max memory.max=max memory.swap.max=0
cgroup_set p memory.min=0 memory.low=0
cgroup_set c memory.swap.max=64m memory.max=1g
task t cgroup=c
use t
a = mmap 8m rw
write a 8m
read a 8m
memcg p
memcg c
