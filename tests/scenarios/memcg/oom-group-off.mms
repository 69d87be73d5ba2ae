# memory.oom.group=0 (the default, written): the memcg OOM kill takes the largest task alone; the other keeps running
machine nodes=2 cpus=2
cgroup g memory.max=32m memory.oom.group=0
task a cgroup=g
task b cgroup=g
use a
x = mmap 8m rw
write x 8m 0x11
use b
y = mmap 64m rw
write y 64m 0x22
use a
read x 1p
use main
memcg g
