# 4 nodes: which node of a bind or preferred_many mask a fault uses, from a CPU on each node
machine nodes=4 cpus=4
a = mmap 8p rw
mbind a 2p bind nodes=2-3
mbind a+2p 2p bind nodes=1-3
mbind a+4p 2p preferred_many nodes=2-3
mbind a+6p 2p bind nodes=1,3
write a 8p
nodes a*8
task t1 cpu=1
use t1
b = mmap 8p rw
mbind b 2p bind nodes=2-3
mbind b+2p 2p bind nodes=0,3
mbind b+4p 2p preferred_many nodes=0,2
mbind b+6p 2p bind nodes=0,2-3
write b 8p
nodes b*8
task t3 cpu=3
use t3
c = mmap 8p rw
mbind c 2p bind nodes=0-1
mbind c+2p 2p bind nodes=1-2
mbind c+4p 2p preferred_many nodes=0-2
mbind c+6p 2p bind nodes=0,2
write c 8p
nodes c*8
