# every mode with an empty mask (nodes=none) and with no mask at all, for set_mempolicy and mbind
machine nodes=2 cpus=2
a = mmap 8p rw
set_mempolicy default nodes=none
set_mempolicy preferred nodes=none
set_mempolicy preferred
set_mempolicy bind nodes=none
set_mempolicy bind
set_mempolicy interleave nodes=none
set_mempolicy local nodes=none
set_mempolicy local
set_mempolicy preferred_many nodes=none
set_mempolicy weighted_interleave
set_mempolicy 7 nodes=none
get_mempolicy
mbind a 1p default nodes=none
mbind a+1p 1p preferred nodes=none
mbind a+2p 1p bind nodes=none
mbind a+2p 1p bind
mbind a+2p 1p interleave
mbind a+3p 1p local
mbind a+4p 1p preferred_many nodes=none
mbind a+4p 1p weighted_interleave nodes=none
set_mempolicy default
numa_maps a 8p
