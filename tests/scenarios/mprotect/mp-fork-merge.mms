# merging after fork: a split of a faulted VMA re-merges in the child (same anon_vma); an untouched neighbour does not merge with it in the child, but does in the parent
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
write a 4p 0x4b
u = mmap 4p r
fork c
use c
mprotect a+1p 2p r
mprotect a+1p 2p rw
vmas u 8p
mprotect u 4p rw
vmas u 8p
use main
mprotect u 4p rw
vmas u 8p
