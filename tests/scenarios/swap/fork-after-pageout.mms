# fork of a paged-out range: parent and child share the swap entries
# (SwapPss halves); both read the data back
swapon 64m
a = mmap 16p rw
write a 16p 0x11
madvise a 16p pageout
fork kid
smaps a 16p
use kid
smaps a 16p
read a 16p
numa_maps a 16p
use main
read a 16p
numa_maps a 16p
smaps a 16p
swapoff
