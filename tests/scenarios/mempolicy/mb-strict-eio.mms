# strict without move: EIO for misplaced pages and the policy is NOT applied; zero-page reads and pages in place pass
machine nodes=2 cpus=2
a = mmap 8p rw
write a 4p
read a+4p 4p
mbind a 8p bind nodes=1 flags=strict
numa_maps a 8p
get_mempolicy a
mbind a+4p 4p bind nodes=1 flags=strict
numa_maps a 8p
get_mempolicy a+4p
mbind a 4p bind nodes=0-1 flags=strict
mbind a 4p interleave nodes=1 flags=strict
mbind a 4p preferred nodes=1 flags=strict
mbind a 4p preferred_many nodes=1 flags=strict
mbind a 4p local flags=strict
numa_maps a 8p
nodes a*4
