# Pages shared by parent and child after fork: pageout from one of them
# skips pages mapped by both
swapon 64m
a = mmap 8p rw
write a 8p 0x11
fork kid
madvise a 8p pageout
vmstat
smaps a 8p
use kid
madvise a 8p pageout
vmstat
smaps a 8p
read a 8p
swapoff
