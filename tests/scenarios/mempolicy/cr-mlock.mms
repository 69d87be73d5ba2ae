# mlocked pages move with the cpuset too
machine nodes=2 cpus=2
task t mems=0
use t
a = mmap 4p rw locked
nodes a*4
cpuset_mems t 1
nodes a*4
smaps a 4p
