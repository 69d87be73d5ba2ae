# get_mempolicy flags=node under a task interleave policy: the next node for the task's own allocations
machine nodes=2 cpus=2
set_mempolicy interleave nodes=0-1
get_mempolicy flags=node
get_mempolicy flags=node
set_mempolicy interleave nodes=1
get_mempolicy flags=node
set_mempolicy interleave+static nodes=1,5
get_mempolicy flags=node
set_mempolicy weighted_interleave nodes=0-1
get_mempolicy flags=node
set_mempolicy bind nodes=0-1
get_mempolicy flags=node
set_mempolicy preferred nodes=1
get_mempolicy flags=node
set_mempolicy preferred_many nodes=1
get_mempolicy flags=node
set_mempolicy local
get_mempolicy flags=node
