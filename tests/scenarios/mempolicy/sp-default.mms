# set_mempolicy default: with no mask, an empty mask, a non-empty mask, and each mode flag
machine nodes=2 cpus=2
set_mempolicy bind nodes=1
set_mempolicy default
get_mempolicy
set_mempolicy bind nodes=1
set_mempolicy default nodes=none
get_mempolicy
set_mempolicy bind nodes=1
set_mempolicy default nodes=0
get_mempolicy
set_mempolicy default nodes=5
set_mempolicy default nodes=64
get_mempolicy
set_mempolicy default+static
get_mempolicy
set_mempolicy bind nodes=1
set_mempolicy default+relative nodes=none
get_mempolicy
set_mempolicy default+numa_balancing
set_mempolicy default+static+relative
set_mempolicy default+static nodes=1
get_mempolicy
