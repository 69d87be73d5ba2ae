# memory.min 32m on one child: under the parent's 64m limit, the other child's 80 MiB is swapped and reclaimed, the protected child's 24 MiB never are (smaps Swap 0, all resident)
machine nodes=2 cpus=2
swapon 1g
cgroup p memory.max=64m
cgroup a parent=p memory.min=32m
cgroup b parent=p
task ta cgroup=a
task tb cgroup=b
use ta
x = mmap 24m rw
write x 24m 0x11
use tb
y = mmap 80m rw
write y 80m 0x22
use ta
smaps x 24m
read x 24m
memcg p
