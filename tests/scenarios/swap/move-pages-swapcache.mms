# A page read back from swap is still in the swap cache: move_pages migrates
# it to node 1 (swapcache= follows), the data stays
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
read a 8p
move_pages a*8 to=1
vmstat
numa_maps a 8p
read a 8p
smaps a 8p
swapoff
numa_maps a 8p
nodes a*8
