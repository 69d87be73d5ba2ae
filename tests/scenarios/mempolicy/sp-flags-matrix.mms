# which modes accept numa_balancing, and static together with relative for every mode (via flags=)
machine nodes=2 cpus=2
set_mempolicy default flags=numa_balancing
set_mempolicy preferred nodes=1 flags=numa_balancing
set_mempolicy bind nodes=1 flags=numa_balancing
get_mempolicy
set_mempolicy interleave nodes=1 flags=numa_balancing
set_mempolicy local flags=numa_balancing
set_mempolicy preferred_many nodes=1 flags=numa_balancing
set_mempolicy weighted_interleave nodes=1 flags=numa_balancing
get_mempolicy
set_mempolicy default flags=static,relative
set_mempolicy preferred nodes=1 flags=static,relative
set_mempolicy bind nodes=1 flags=static,relative
set_mempolicy interleave nodes=1 flags=static,relative
set_mempolicy local flags=static,relative
set_mempolicy preferred_many nodes=1 flags=static,relative
set_mempolicy weighted_interleave nodes=1 flags=static,relative
get_mempolicy
set_mempolicy bind nodes=1 flags=relative,numa_balancing
get_mempolicy
set_mempolicy bind+static nodes=0 flags=numa_balancing
get_mempolicy
set_mempolicy bind nodes=1 flags=0x8000
get_mempolicy
set_mempolicy interleave nodes=0 flags=0x4000,static
