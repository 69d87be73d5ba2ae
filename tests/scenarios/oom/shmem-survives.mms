# Shared anonymous memory written by a child outlives it: the child (200 MiB
# of shmem and its own private memory) is killed; the shmem pages stay, owned
# by no process's RSS, so the next task that runs out of memory (u) is the one
# killed; then the parent reads the child's bytes
machine nodes=2 cpus=2
s = mmap 200m rw shared anon
fork kid
task u cpu=1
use kid
write s 200m 0x44
b = mmap 350m rw
write b 350m
use u
c = mmap 350m rw
write c 350m
use main
read s 200m
