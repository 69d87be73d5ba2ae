# a VMA policy wins over the task policy; mbind default hands the VMA back to the task policy
machine nodes=2 cpus=2
set_mempolicy bind nodes=1
a = mmap 8p rw
mbind a 4p bind nodes=0
write a 2p
write a+4p 2p
nodes a*6
mbind a 4p default
write a+2p 2p
write a+6p 2p
nodes a*8
numa_maps a 8p
set_mempolicy default
