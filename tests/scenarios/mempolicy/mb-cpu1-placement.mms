# a task on CPU 1 (node 1): default, bind 0, bind 0-1, local, preferred 0 and preferred_many 0-1 placement
machine nodes=2 cpus=2
task t cpu=1
use t
a = mmap 12p rw
mbind a+2p 2p bind nodes=0
mbind a+4p 2p bind nodes=0-1
mbind a+6p 2p local
mbind a+8p 2p preferred nodes=0
mbind a+10p 2p preferred_many nodes=0-1
write a 12p
nodes a*12
numa_maps a 12p
