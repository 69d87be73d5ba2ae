# get_mempolicy ADDR: VMA policy or default, holes, unmapped pages, unaligned addresses, numeric flags with ADDR
machine nodes=2 cpus=2
a = mmap 8p rw
h = hole 2p
mbind a+4p 4p interleave nodes=0-1
get_mempolicy a
get_mempolicy a+3p
get_mempolicy a+4p
get_mempolicy a+32767
get_mempolicy a+100
get_mempolicy h
get_mempolicy h+1p
munmap a 1p
get_mempolicy a
get_mempolicy a+1p flags=0
get_mempolicy a+1p flags=2
get_mempolicy a+4p flags=2
get_mempolicy a+4p flags=addr
get_mempolicy a+4p flags=mems_allowed
get_mempolicy a+4p flags=4
get_mempolicy a+4p flags=6
get_mempolicy h flags=0
get_mempolicy h flags=8
get_mempolicy a+4p flags=8
