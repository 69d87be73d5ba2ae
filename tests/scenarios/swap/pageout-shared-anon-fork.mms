# Shared anonymous memory after fork: the child maps shared pages only when it
# faults (fork copies no entries of a shared mapping), and a read fault maps
# its 16-page fault-around window. pageout from the parent skips the pages
# both map and writes the rest; the child reads them all back
swapon 64m
s = mmap 32p rw shared anon
write s 32p 0x72
fork kid
use kid
read s 1p
nodes s*32
use main
madvise s 32p pageout
vmstat
smaps s 32p
nodes s*32
use kid
smaps s 32p
read s 32p
use main
read s 32p
swapoff
