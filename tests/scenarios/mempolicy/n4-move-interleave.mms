# 4 nodes: mbind interleave with move sends misplaced pages to the node of their page number
machine nodes=4 cpus=4
a = mmap 8p rw
write a 8p
mbind a 8p interleave nodes=1-3 flags=move
nodes a*8
mbind a+2p 4p bind nodes=2 flags=move
nodes a*8
mbind a 8p interleave nodes=0,2 flags=move
nodes a*8
numa_maps a 8p
vmstat
