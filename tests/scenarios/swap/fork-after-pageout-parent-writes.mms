# fork of a paged-out range, the parent writes first, then the child reads
# the old data from swap; swapoff with the child's entries still out
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
fork kid
write a 8p 0x33
read a 8p
smaps a 8p
swapoff
use kid
smaps a 8p
read a 8p
