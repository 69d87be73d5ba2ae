# relative policies fold the user's nodes onto the new mems
machine nodes=4 cpus=4
task t mems=0,1
use t
set_mempolicy bind+relative nodes=1
a = mmap 2p rw
write a 2p
nodes a*2
b = mmap 4p rw
mbind b 4p interleave+relative nodes=0,1,2
numa_maps b 4p
cpuset_mems t 1,2,3
get_mempolicy
numa_maps b 4p
c = mmap 2p rw
write c 2p
nodes c*2
write b 4p
nodes b*4
cpuset_mems t 3
get_mempolicy
numa_maps b 4p
nodes a*2
nodes b*4
