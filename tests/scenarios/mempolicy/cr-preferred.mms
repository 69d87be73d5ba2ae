# a preferred policy keeps its node when the cpuset leaves it: pages go to the nearest node the cpuset allows
machine nodes=4 cpus=4
task t mems=0,1
use t
set_mempolicy preferred nodes=1
a = mmap 2p rw
write a 2p
nodes a*2
b = mmap 2p rw
mbind b 2p preferred nodes=0
cpuset_mems t 2,3
get_mempolicy
numa_maps b 2p
nodes a*2
c = mmap 2p rw
write c 2p
nodes c*2
write b 2p
nodes b*2
