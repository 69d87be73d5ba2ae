# numa_maps text of every VMA policy mode with and without static/relative
machine nodes=2 cpus=2
a = mmap 14p rw
mbind a 2p preferred nodes=1
mbind a+2p 2p preferred+static nodes=1,4
mbind a+4p 2p bind+relative nodes=2-3
mbind a+6p 2p interleave+static nodes=0-1
mbind a+8p 2p weighted_interleave+relative nodes=1
mbind a+10p 2p preferred_many+static nodes=0
mbind a+12p 2p local
numa_maps a 14p
get_mempolicy a+2p
get_mempolicy a+4p
get_mempolicy a+8p
