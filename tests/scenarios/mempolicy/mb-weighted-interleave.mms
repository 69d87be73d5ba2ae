# mbind weighted_interleave with default weights: placement like interleave, numa_maps text
machine nodes=2 cpus=2
a = mmap 8p rw
mbind a 8p weighted_interleave nodes=0-1
write a 8p
nodes a*8
numa_maps a 8p
b = mmap 4p rw
mbind b+1p 3p weighted_interleave nodes=1
write b 4p
nodes b*4
numa_maps b 4p
get_mempolicy b+1p
