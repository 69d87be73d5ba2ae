swapon 64m
cgroup p memory.max=4m
cgroup c parent=p memory.max=8m
task t cgroup=c
use t
a = mmap 8m rw
write a 8m 0x46
read a 8m
memcg p
memcg c
