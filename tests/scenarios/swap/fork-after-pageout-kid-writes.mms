# fork of a paged-out range, the child writes (copy-on-write of a swapped
# page): the child sees its bytes, the parent the old ones
swapon 64m
a = mmap 8p rw
write a 8p 0x11
read a 8p
madvise a 8p pageout
fork kid
use kid
write a 8p 0x22
read a 8p
smaps a 8p
use main
read a 8p
smaps a 8p
numa_maps a 8p
swapoff
