# madvise pageout of private anonymous memory with swap on: the pages are
# written to swap (pswpout) and unmapped (smaps Swap=, nodes ENOENT); a read
# maps them back with the same data (fnv as before) from the swap cache
swapon 64m
a = mmap 16p rw
write a 16p 0x11
read a 16p
madvise a 16p pageout
vmstat
smaps a 16p
numa_maps a 16p
nodes a*16
read a 16p
vmstat
smaps a 16p
numa_maps a 16p
nodes a*16
swapoff
