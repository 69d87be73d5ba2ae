# mbind local and preferred_many: placement and numa_maps text; local refuses a mask
machine nodes=2 cpus=2
a = mmap 8p rw
mbind a 2p local
mbind a+2p 2p local nodes=none
mbind a+4p 2p local nodes=1
mbind a+4p 2p preferred_many nodes=1
mbind a+6p 2p preferred_many nodes=0-1
mbind a+6p 2p preferred_many nodes=none
write a 8p
nodes a*8
numa_maps a 8p
get_mempolicy a
get_mempolicy a+4p
