# numa_maps of VMAs without a policy of their own shows the task policy, in each mode
machine nodes=2 cpus=2
a = mmap 4p rw
b = mmap 4p rw
mbind b 4p bind nodes=0
numa_maps b 8p
set_mempolicy interleave nodes=0-1
numa_maps b 8p
set_mempolicy preferred nodes=1
numa_maps b 8p
set_mempolicy local
numa_maps b 8p
set_mempolicy preferred_many+static nodes=1
numa_maps b 8p
set_mempolicy weighted_interleave+relative nodes=0
numa_maps b 8p
set_mempolicy bind+numa_balancing nodes=0-1
numa_maps b 8p
set_mempolicy preferred_many+static+numa_balancing nodes=1
numa_maps b 8p
