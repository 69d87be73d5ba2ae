# a weight changed after mbind applies to faults that come later; a policy over node 1 alone puts every page there whatever the weights
machine nodes=2 cpus=2
a = mmap 8p rw
mbind a 8p weighted_interleave nodes=0-1
write a 4p
il_weight 0 2
write a+4p 4p
nodes a*8
b = mmap 3p rw
mbind b 3p weighted_interleave nodes=1
write b 3p
nodes b*3
