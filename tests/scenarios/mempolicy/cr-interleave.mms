# an interleave task policy and an interleave VMA policy follow a cpuset from 0,1 to 2,3 and then to 1,2,3
machine nodes=4 cpus=4
task t mems=0,1
use t
set_mempolicy interleave nodes=0,1
a = mmap 4p rw
write a 4p
nodes a*4
b = mmap 6p rw
mbind b 6p interleave nodes=0,1
write b 6p
nodes b*6
cpuset_mems t 2,3
get_mempolicy
get_mempolicy flags=node
nodes a*4
nodes b*6
numa_maps b 6p
c = mmap 4p rw
write c 4p
nodes c*4
cpuset_mems t 1,2,3
get_mempolicy
numa_maps b 6p
nodes a*4
nodes b*6
nodes c*4
d = mmap 6p rw
write d 6p
nodes d*6
