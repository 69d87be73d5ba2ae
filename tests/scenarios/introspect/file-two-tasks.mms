# a file shared by two unrelated tasks: each page stays on the node of the task that first touched it; numa_maps mapmax=2 and smaps Pss in each task.
machine nodes=2 cpus=2
file f 8p
task t cpu=1
use t
m = mmap 8p rw shared file=f
write m 4p 0x71
numa_maps m 8p
use main
n = mmap 8p r shared file=f
read n 8p
numa_maps n 8p
smaps n 8p
use t
numa_maps m 8p
smaps m 8p
