# Pages read back, changed, then paged out again are written a second time
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
read a 8p
write a 8p 0x12
madvise a 8p pageout
vmstat
smaps a 8p
read a 8p
swapoff
