# memory.oom.group=1: the memcg OOM kill of the largest task takes every task of the cgroup; oom_kill counts the victim twice (as victim and as member), as Linux 6.12 does
machine nodes=2 cpus=2
cgroup g memory.max=32m memory.oom.group=1
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
task c cgroup=g
use c
z = mmap 16m rw
write z 16m 0x33
read z 1p
memcg g
