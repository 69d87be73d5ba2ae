# mbind bind over a range with an unmapped gap at its head, middle or tail is EFAULT, and no VMA gets the policy
machine nodes=2 cpus=2
a = mmap 12p rw
munmap a+4p 4p
mbind a+4p 8p bind nodes=1
mbind a 8p bind nodes=1
mbind a 12p bind nodes=1
mbind a+2p 8p interleave nodes=0-1
mbind a+4p 4p bind nodes=1
numa_maps a 12p
mbind a+4p 4p bind nodes=5
mbind a+4p 4p bind nodes=none
mbind a+4p 4p bind nodes=1 flags=8
mbind a+4p 4p bind nodes=1 flags=strict
mbind a 4p bind nodes=1
mbind a+8p 4p bind nodes=1
numa_maps a 12p
