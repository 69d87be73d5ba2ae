# dontneed on a paged-out range drops the swap entries: reads give zeros, and
# swapoff finds nothing to bring back
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
madvise a 8p dontneed
smaps a 8p
read a 8p
swapoff
vmstat
