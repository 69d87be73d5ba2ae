cgroup g memory.max=4m memory.oom.group=1
task t1 cgroup=g
task t2 cgroup=g
use t1
a = mmap 1m rw
write a 1m 0x47
use t2
b = mmap 8m rw
write b 8m 0x48
use t1
read a 1m
memcg g
