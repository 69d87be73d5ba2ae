# mbind ranges: unaligned start, length 0 (0 before the mode's mask is checked, but after mode and mask reading), unaligned length rounded up, wrapping lengths
machine nodes=2 cpus=2
a = mmap 8p rw
mbind a+1 1p bind nodes=1
mbind a+1 0 bind nodes=1
mbind a 0 bind nodes=1
mbind a 0 bind nodes=none
mbind a 0 bind nodes=5
mbind a 0 default nodes=1
mbind a 0 99 nodes=1
mbind a 0 interleave+numa_balancing nodes=1
mbind a 0 bind nodes=1 flags=8
mbind a 0 bind nodes=1024
mbind a 0 bind+static+relative nodes=1
mbind a 1 bind nodes=1
vmas a 8p
mbind a+2p 4097 interleave nodes=0-1
vmas a 8p
mbind a 0xfffffffffffff001 bind nodes=1
mbind a 0xffffffffffffffff bind nodes=1
mbind a 0x7fffffffffff0000 bind nodes=1
mbind a 0xfffffffffffff000 bind nodes=1
mbind a 0xffffffffffff0000 default
vmas a 8p
numa_maps a 8p
