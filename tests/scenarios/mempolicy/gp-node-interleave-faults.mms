# get_mempolicy flags=node under task interleave before and after faults, some of which need new page tables
machine nodes=2 cpus=2
set_mempolicy interleave nodes=0-1
get_mempolicy flags=node
a = mmap 4p rw
get_mempolicy flags=node
write a 1p
get_mempolicy flags=node
write a+1p 3p
get_mempolicy flags=node
b = mmap 1024p rw
write b 1p
get_mempolicy flags=node
write b+512p 1p
get_mempolicy flags=node
get_mempolicy flags=node
