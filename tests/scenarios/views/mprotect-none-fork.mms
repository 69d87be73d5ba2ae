# PROT_NONE in the middle of a written mapping, then fork: the child inherits the none piece's pages (Rss, mapmax=2) but its read there is SIGSEGV; after its mprotect rw and a COW write its three VMAs do not merge back.
machine nodes=2 cpus=2
a = mmap 6p rw
write a 6p
mprotect a+2p 2p none
fork child
use child
smaps a 6p
numa_maps a 6p
read a+2p 1
mprotect a+2p 2p rw
write a+3p 1 0x33
smaps a 6p
numa_maps a 6p
use main
smaps a 6p
numa_maps a 6p
