# swapoff with paged-out pages still in the swap cache: they are mapped back
# without a read (no pswpin), data intact
swapon 64m
a = mmap 16p rw
write a 16p 0x11
read a 16p
madvise a 16p pageout
swapoff
vmstat
smaps a 16p
numa_maps a 16p
nodes a*16
read a 16p
