# mbind in a task confined to node 1: node 0 masks are EINVAL, moves stay inside the cpuset
machine nodes=2 cpus=2
task t mems=1
use t
a = mmap 8p rw
mbind a 4p bind nodes=0
mbind a 4p preferred nodes=0
mbind a 4p preferred_many nodes=0
mbind a 4p interleave nodes=0-1
numa_maps a 8p
write a 8p
nodes a*8
mbind a 8p bind nodes=0-1 flags=strict
mbind a 8p bind nodes=0 flags=move
nodes a*8
get_mempolicy flags=mems_allowed
