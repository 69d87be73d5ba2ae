# Read back after pageout (pages in the swap cache, mapped read-only), then
# written: does the write keep the swap cache and the slot?
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
read a 8p
write a 8p 0x33
smaps a 8p
numa_maps a 8p
madvise a 8p pageout
vmstat
read a 8p
swapoff
