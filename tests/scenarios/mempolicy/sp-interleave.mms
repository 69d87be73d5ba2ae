# set_mempolicy interleave and weighted_interleave: masks, empty masks, one node, mode flags
machine nodes=2 cpus=2
set_mempolicy interleave nodes=0-1
get_mempolicy
set_mempolicy interleave nodes=1
get_mempolicy
set_mempolicy interleave nodes=0-9
get_mempolicy
set_mempolicy interleave nodes=none
set_mempolicy interleave
set_mempolicy interleave nodes=3
get_mempolicy
set_mempolicy interleave+static nodes=0-9
get_mempolicy
set_mempolicy interleave+relative nodes=3
get_mempolicy
set_mempolicy interleave+numa_balancing nodes=0-1
set_mempolicy weighted_interleave nodes=0-1
get_mempolicy
set_mempolicy weighted_interleave nodes=none
set_mempolicy weighted_interleave+static nodes=1,4
get_mempolicy
set_mempolicy weighted_interleave+relative nodes=2-3
get_mempolicy
set_mempolicy weighted_interleave+numa_balancing nodes=0-1
get_mempolicy
