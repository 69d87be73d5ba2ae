# MPOL_F_NUMA_BALANCING in mbind: accepted with bind and preferred_many only, shown in numa_maps and get_mempolicy
machine nodes=2 cpus=2
a = mmap 12p rw
mbind a 2p bind+numa_balancing nodes=1
mbind a+2p 2p bind+static+numa_balancing nodes=0,3
mbind a+4p 2p bind+relative nodes=2 flags=0
mbind a+4p 2p bind+relative+numa_balancing nodes=3
mbind a+6p 2p preferred_many+numa_balancing nodes=1
mbind a+8p 2p interleave+numa_balancing nodes=1
mbind a+8p 2p preferred+numa_balancing nodes=1
mbind a+8p 2p local+numa_balancing
mbind a+10p 2p default+numa_balancing
mbind a+10p 2p weighted_interleave+numa_balancing nodes=1
numa_maps a 12p
get_mempolicy a
get_mempolicy a+2p
get_mempolicy a+4p
get_mempolicy a+6p
write a 12p
nodes a*12
