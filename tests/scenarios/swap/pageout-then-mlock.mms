# mlock of a paged-out range faults every page back in: the swap slots are
# freed (VM_LOCKED), the pages are locked
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
mlock a 8p
smaps a 8p
numa_maps a 8p
nodes a*8
read a 8p
vmstat
swapoff
