# a task confined to node 1 by its cpuset: masks are cut to it, masks outside it are EINVAL, mems_allowed
machine nodes=2 cpus=2
task t mems=1
use t
get_mempolicy flags=mems_allowed
set_mempolicy bind nodes=0
set_mempolicy preferred nodes=0
set_mempolicy interleave nodes=0
set_mempolicy bind nodes=0-1
get_mempolicy
set_mempolicy preferred nodes=0-1
get_mempolicy
set_mempolicy interleave nodes=0-1
get_mempolicy
set_mempolicy local
get_mempolicy
a = mmap 4p rw
write a 4p
nodes a*4
numa_maps a 4p
