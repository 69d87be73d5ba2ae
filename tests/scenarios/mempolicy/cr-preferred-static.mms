# a static or relative preferred policy: after a rebind get_mempolicy reports the cpuset's new mems as its nodes
machine nodes=4 cpus=4
task t mems=0,1
use t
set_mempolicy preferred+static nodes=1
get_mempolicy
a = mmap 2p rw
mbind a 2p preferred+relative nodes=0
get_mempolicy a
cpuset_mems t 2,3
get_mempolicy
get_mempolicy a flags=addr
numa_maps a 2p
write a 2p
nodes a*2
b = mmap 2p rw
write b 2p
nodes b*2
