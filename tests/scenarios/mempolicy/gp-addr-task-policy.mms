# get_mempolicy ADDR does not fall back to the task policy, while numa_maps shows the task policy
machine nodes=2 cpus=2
a = mmap 8p rw
mbind a+4p 4p bind nodes=0
set_mempolicy interleave nodes=0-1
get_mempolicy
get_mempolicy a
get_mempolicy a+4p
numa_maps a 8p
set_mempolicy bind nodes=1 flags=numa_balancing
get_mempolicy a
numa_maps a 8p
set_mempolicy default
numa_maps a 8p
