# mprotect r, none, rx and w on four parts of a written mapping: six VMAs with their VmFlags, Rss and numa_maps; restoring rw piece by piece merges neighbours as they match.
machine nodes=2 cpus=2
a = mmap 10p rw
write a 10p
mprotect a+1p 2p r
mprotect a+3p 2p none
mprotect a+5p 2p rx
mprotect a+7p 2p w
smaps a 10p
numa_maps a 10p
mprotect a+3p 2p rw
smaps a 10p
mprotect a+1p 2p rw
mprotect a+7p 2p rw
smaps a 10p
mprotect a+5p 2p rw
smaps a 10p
numa_maps a 10p
