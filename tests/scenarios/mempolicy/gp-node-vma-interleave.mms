# flags=node without addr ignores VMA policies: a VMA interleave policy with a default task policy is EINVAL
machine nodes=2 cpus=2
a = mmap 4p rw
mbind a 4p interleave nodes=0-1
write a 4p
get_mempolicy flags=node
get_mempolicy a flags=node
get_mempolicy a+1p flags=node
get_mempolicy a flags=0
get_mempolicy a flags=1
get_mempolicy a flags=2
get_mempolicy a flags=3
