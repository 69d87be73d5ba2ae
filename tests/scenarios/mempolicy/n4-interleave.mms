# 4 nodes: interleave over all, over two and three nodes, by VMA and by task policy
machine nodes=4 cpus=4
a = mmap 8p rw
mbind a 8p interleave nodes=0-3
write a 8p
nodes a*8
b = mmap 6p rw
mbind b 6p interleave nodes=1,3
write b 6p
nodes b*6
c = mmap 6p rw
mbind c 6p weighted_interleave nodes=0,2-3
write c 6p
nodes c*6
set_mempolicy interleave nodes=1-3
d = mmap 6p rw
write d 6p
nodes d*6
numa_maps d 26p
