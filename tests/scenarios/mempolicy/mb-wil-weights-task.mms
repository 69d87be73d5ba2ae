# weighted interleave as the task's policy, weights 1 and 4: the pages of each new mapping follow their index, four on node 1 for one on node 0
machine nodes=2 cpus=2
il_weight 0 1
il_weight 1 4
set_mempolicy weighted_interleave nodes=0-1
a = mmap 10p rw
write a 10p
nodes a*10
b = mmap 5p rw
write b+2p 3p
nodes b*5
