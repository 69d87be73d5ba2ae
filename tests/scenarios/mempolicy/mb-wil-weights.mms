# weighted interleave with node 0 weighing 3 and node 1 weighing 1: three pages on node 0 for each on node 1, by the page's index in the VMA
machine nodes=2 cpus=2
il_weight 0 3
il_weight 1 1
a = mmap 16p rw
mbind a 16p weighted_interleave nodes=0-1
write a 16p
nodes a*16
numa_maps a 16p
