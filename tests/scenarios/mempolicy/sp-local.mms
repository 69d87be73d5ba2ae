# set_mempolicy local: no mask or an empty one only; mode flags are refused
machine nodes=2 cpus=2
set_mempolicy local
get_mempolicy
set_mempolicy bind nodes=1
set_mempolicy local nodes=none
get_mempolicy
set_mempolicy bind nodes=1
set_mempolicy local nodes=0
get_mempolicy
set_mempolicy local nodes=5
set_mempolicy local+static
set_mempolicy local+relative
set_mempolicy local+numa_balancing
set_mempolicy local+static nodes=none
get_mempolicy
get_mempolicy flags=node
