swapon 64m
cgroup g
task t cgroup=g
use t
a = mmap 8m rw
write a 8m 0x44
use main
cgroup_set g memory.max=2m
use t
read a 8m
memcg g
