# 4 nodes: preferred and preferred_many, numa_maps text and placement, numeric mode 5 with a mask
machine nodes=4 cpus=4
a = mmap 8p rw
mbind a 2p preferred nodes=2-3
mbind a+2p 2p preferred_many nodes=3
mbind a+4p 2p preferred_many nodes=1-3
mbind a+6p 2p 5 nodes=2
write a 8p
nodes a*8
numa_maps a 8p
set_mempolicy preferred_many nodes=2-3
get_mempolicy
b = mmap 4p rw
write b 4p
nodes b*4
set_mempolicy preferred nodes=3,1
get_mempolicy
