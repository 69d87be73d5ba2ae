# Pages read back from swap, then fork, then the child writes: copy-on-write
# of a swap-cache page; the parent keeps the old data
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
read a 8p
fork kid
use kid
write a 4p 0x44
read a 8p
numa_maps a 8p
use main
read a 8p
numa_maps a 8p
smaps a 8p
swapoff
