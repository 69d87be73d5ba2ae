# madvise hugepage/nohugepage change VMA flags: the VMA splits into separate entries (same perms) and merges back when the flags match again
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 8p rw
write a 8p 0xe7
madvise a+2p 4p hugepage
vmas a 8p
madvise a 8p nohugepage
vmas a 8p
madvise a 8p normal
vmas a 8p
madvise a+6p 2p hugepage
vmas a 8p
madvise a 6p hugepage
vmas a 8p
read a 8p
nodes a*8
