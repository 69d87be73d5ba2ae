# mlock of pages that are on swap only (the swap cache copy was freed by a
# second pageout): mlock reads them from the disk
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
read a 8p
madvise a 8p pageout
mlock a 8p
vmstat
smaps a 8p
numa_maps a 8p
read a 8p
swapoff
