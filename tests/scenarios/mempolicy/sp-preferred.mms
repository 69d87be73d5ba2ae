# set_mempolicy preferred: which node of a mask is kept, empty/NULL masks become local, mode flags
machine nodes=2 cpus=2
set_mempolicy preferred nodes=1
get_mempolicy
set_mempolicy preferred nodes=0-1
get_mempolicy
set_mempolicy preferred nodes=1,5
get_mempolicy
set_mempolicy preferred nodes=5
get_mempolicy
set_mempolicy preferred
get_mempolicy
set_mempolicy preferred nodes=1
set_mempolicy preferred nodes=none
get_mempolicy
set_mempolicy preferred+static nodes=none
set_mempolicy preferred+relative
get_mempolicy
set_mempolicy preferred+static nodes=1,5
get_mempolicy
set_mempolicy preferred+relative nodes=2
get_mempolicy
set_mempolicy preferred+numa_balancing nodes=1
get_mempolicy
get_mempolicy flags=node
