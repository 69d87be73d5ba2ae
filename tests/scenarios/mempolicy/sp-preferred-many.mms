# set_mempolicy preferred_many: masks kept whole, empty masks refused, mode flags incl. numa_balancing
machine nodes=2 cpus=2
set_mempolicy preferred_many nodes=1
get_mempolicy
set_mempolicy preferred_many nodes=0-1
get_mempolicy
set_mempolicy preferred_many nodes=1,6
get_mempolicy
set_mempolicy preferred_many nodes=none
set_mempolicy preferred_many
set_mempolicy preferred_many nodes=6
get_mempolicy
set_mempolicy preferred_many+static nodes=1,6
get_mempolicy
set_mempolicy preferred_many+relative nodes=6
get_mempolicy
set_mempolicy preferred_many+numa_balancing nodes=0
get_mempolicy
set_mempolicy preferred_many+static+numa_balancing nodes=1
get_mempolicy
get_mempolicy flags=node
