# mbind preferred: the first node of the mask is kept, an empty mask makes it local (numa_maps names)
machine nodes=2 cpus=2
a = mmap 8p rw
mbind a 2p preferred nodes=1
mbind a+2p 2p preferred nodes=0-1
mbind a+4p 2p preferred nodes=none
mbind a+6p 2p preferred
write a 8p
nodes a*8
numa_maps a 8p
get_mempolicy a+2p
get_mempolicy a+4p
