# cpuset.mems 0,1 -> 2,3: the pages move by position, a task bind policy and a VMA bind policy are remapped
machine nodes=4 cpus=4
task t mems=0,1
use t
a = mmap 8p rw
write a 4p
set_mempolicy bind nodes=1
write a+4p 4p
nodes a*8
b = mmap 4p rw
mbind b 4p bind nodes=0
numa_maps b 4p
cpuset_mems t 2,3
nodes a*8
get_mempolicy
get_mempolicy flags=mems_allowed
numa_maps b 4p
write b 4p
nodes b*4
c = mmap 2p rw
write c 2p
nodes c*2
