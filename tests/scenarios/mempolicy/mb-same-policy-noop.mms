# mbind with a policy equal to the VMA's does not split; equality ignores the node order and nodes past the machine
machine nodes=2 cpus=2
a = mmap 8p rw
mbind a 8p interleave nodes=0-1
mbind a+2p 2p interleave nodes=1,0
vmas a 8p
mbind a+2p 2p interleave nodes=0-7
vmas a 8p
mbind a+2p 2p interleave+static nodes=0-1
vmas a 8p
mbind a+4p 2p weighted_interleave nodes=0-1
vmas a 8p
numa_maps a 8p
