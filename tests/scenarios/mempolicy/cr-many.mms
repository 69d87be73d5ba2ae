# preferred_many and weighted interleave under a changing cpuset
machine nodes=4 cpus=4
task t mems=0,1
use t
a = mmap 4p rw
mbind a 4p preferred_many nodes=0,1
b = mmap 6p rw
mbind b 6p weighted_interleave nodes=0,1
write b 6p
nodes b*6
cpuset_mems t 2,3
numa_maps a 4p
numa_maps b 6p
write a 4p
nodes a*4
nodes b*6
c = mmap 6p rw
mbind c 6p weighted_interleave nodes=2,3
write c 6p
nodes c*6
