# set_mempolicy bind: masks with nodes the machine lacks are cut to the machine's nodes; empty ones are EINVAL
machine nodes=2 cpus=2
set_mempolicy bind nodes=0
get_mempolicy
set_mempolicy bind nodes=1,7
get_mempolicy
set_mempolicy bind nodes=0,63
get_mempolicy
set_mempolicy bind nodes=0-63
get_mempolicy
set_mempolicy bind nodes=2
set_mempolicy bind nodes=63
set_mempolicy bind nodes=none
set_mempolicy bind
get_mempolicy
set_mempolicy bind nodes=1-2 flags=static
get_mempolicy
set_mempolicy bind nodes=0,64-127
get_mempolicy
set_mempolicy bind nodes=64-127
get_mempolicy
