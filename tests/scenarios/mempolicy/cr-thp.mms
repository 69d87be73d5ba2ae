# a huge page moves with the cpuset as one unit
machine nodes=2 cpus=2 thp=always
task t mems=0
use t
h = mmap 2m rw
write h 2m
numa_maps h 2m
cpuset_mems t 1
numa_maps h 2m
