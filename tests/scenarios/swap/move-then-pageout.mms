# Pages moved to node 1, paged out, read back: the swap cache copy is still
# on node 1; freed by a second pageout and read from the disk, they come to
# the faulting CPU's node 0
swapon 64m
a = mmap 8p rw
write a 8p 0x11
move_pages a*8 to=1
madvise a 8p pageout
read a 8p
nodes a*8
madvise a 8p pageout
read a 8p
nodes a*8
swapoff
