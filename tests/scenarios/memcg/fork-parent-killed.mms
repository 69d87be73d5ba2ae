# After fork the child unmaps the parent's 40 MiB and writes 40 MiB of its own under memory.max 64m: the parent, now the largest, is killed and the child's write completes
machine nodes=2 cpus=2
cgroup cg memory.max=64m
task t cgroup=cg
use t
a = mmap 40m rw
write a 40m 0x21
fork k
use k
munmap a 40m
b = mmap 40m rw
write b 40m 0x22
read b 40m
use t
read a 1p
