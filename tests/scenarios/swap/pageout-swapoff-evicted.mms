# swapoff with pages that are on the disk only (the swap cache copies freed by
# a second pageout): swapoff reads them (pswpin) and maps them back
swapon 64m
a = mmap 16p rw
write a 16p 0x11
madvise a 16p pageout
read a 16p
madvise a 16p pageout
swapoff
vmstat
smaps a 16p
numa_maps a 16p
nodes a*16
read a 16p
