swapon 64m
cgroup g memory.high=2m
task t cgroup=g
use t
a = mmap 8m rw
write a 8m 0x42
read a 8m
memcg g
