# static and relative masks under a cpuset of node 1: the user's mask is reported, the effective one placed
machine nodes=2 cpus=2
task t mems=1
use t
set_mempolicy bind+static nodes=0
set_mempolicy bind+static nodes=0-1
get_mempolicy
set_mempolicy bind+relative nodes=0
get_mempolicy
set_mempolicy interleave+relative nodes=0-1
get_mempolicy
set_mempolicy preferred+relative nodes=5
get_mempolicy
a = mmap 4p rw
numa_maps a 4p
mbind a 2p bind+relative nodes=0
mbind a+2p 2p interleave+static nodes=0-1
numa_maps a 4p
write a 4p
nodes a*4
mbind a 2p bind nodes=0
mbind a 2p bind+static nodes=0
