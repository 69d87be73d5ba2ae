# get_mempolicy flags: node, addr, mems_allowed alone and together, and numeric flags 0-8 without an address
machine nodes=2 cpus=2
get_mempolicy flags=node
get_mempolicy flags=addr
get_mempolicy flags=mems_allowed
get_mempolicy flags=node,mems_allowed
get_mempolicy flags=addr,mems_allowed
get_mempolicy flags=node,addr
get_mempolicy flags=0
get_mempolicy flags=1
get_mempolicy flags=2
get_mempolicy flags=3
get_mempolicy flags=4
get_mempolicy flags=5
get_mempolicy flags=6
get_mempolicy flags=7
get_mempolicy flags=8
get_mempolicy flags=9
get_mempolicy flags=0x100
set_mempolicy bind nodes=1
get_mempolicy flags=mems_allowed
get_mempolicy flags=4
get_mempolicy flags=node
get_mempolicy flags=0
