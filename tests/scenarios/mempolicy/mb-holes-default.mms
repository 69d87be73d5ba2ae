# mbind default may span gaps (strict is ignored), but a range entirely in a gap is EFAULT; local and preferred may not
machine nodes=2 cpus=2
a = mmap 12p rw
mbind a 12p bind nodes=1
munmap a+4p 4p
mbind a 12p default
numa_maps a 12p
mbind a 12p bind nodes=1
mbind a+4p 4p default
mbind a+2p 4p default
mbind a+6p 4p default flags=strict
numa_maps a 12p
mbind a 12p local
mbind a 12p preferred
mbind a 12p default nodes=0
mbind a 12p default nodes=none
numa_maps a 12p
h = hole 2p
mbind h 2p default
