# mprotect of the middle of a written mapping splits the VMA: smaps and numa_maps per piece; restoring rw merges it back.
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
mprotect a+2p 2p r
smaps a 8p
numa_maps a 8p
mprotect a+4p 2p rx
smaps a 8p
mprotect a+2p 4p rw
smaps a 8p
numa_maps a 8p
