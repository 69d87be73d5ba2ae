# get_mempolicy node+addr on written pages gives each page's node, after faults and moves; PROT_NONE and holes fail
machine nodes=2 cpus=2
a = mmap 8p rw
mbind a+2p 2p bind nodes=1
mbind a+4p 4p interleave nodes=0-1
write a 8p
nodes a*8
get_mempolicy a flags=node
get_mempolicy a+2p flags=node
get_mempolicy a+12305 flags=node
get_mempolicy a+4p flags=node
get_mempolicy a+5p flags=node
get_mempolicy a+6p flags=node,addr
move_pages a+2p to=0
get_mempolicy a+2p flags=node
get_mempolicy a+2p
p = mmap 2p none
get_mempolicy p flags=node
get_mempolicy p
h = hole 1p
get_mempolicy h flags=node
get_mempolicy a flags=node,mems_allowed
get_mempolicy a flags=3
get_mempolicy a flags=1
