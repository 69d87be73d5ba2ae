# node masks naming nodes past the machine: static keeps them, relative folds them, words past MAX_NUMNODES
machine nodes=2 cpus=2
set_mempolicy bind+static nodes=0,5,63
get_mempolicy
set_mempolicy bind+static nodes=5
set_mempolicy bind+relative nodes=5
get_mempolicy
set_mempolicy bind+relative nodes=4
get_mempolicy
set_mempolicy bind+static nodes=1,64
get_mempolicy
set_mempolicy bind+relative nodes=64
get_mempolicy
set_mempolicy bind+relative nodes=65
get_mempolicy
set_mempolicy bind+relative nodes=1023
get_mempolicy
set_mempolicy bind+relative nodes=1024
get_mempolicy
set_mempolicy bind+relative nodes=0,32766
set_mempolicy bind nodes=0,1023
get_mempolicy
set_mempolicy interleave+relative nodes=2-5
get_mempolicy
