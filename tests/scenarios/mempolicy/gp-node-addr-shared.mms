# get_mempolicy node+addr on an untouched shared page allocates it by the shared policy (no zero page), and maps only it
machine nodes=2 cpus=2
s = mmap 4p rw shared
mbind s 4p bind nodes=1
get_mempolicy s+1p flags=node
nodes s*4
mbind s+2p 2p preferred nodes=0
get_mempolicy s+2p flags=node
nodes s*4
numa_maps s 4p
