# Writing 4 of 16 paged-out pages: their slots are freed, the other 12 stay
# on swap; reading the rest brings those back from the swap cache
swapon 64m
a = mmap 16p rw
write a 16p 0x11
madvise a 16p pageout
write a 4p 0x22
smaps a 16p
numa_maps a 16p
nodes a*16
read a 16p
smaps a 16p
numa_maps a 16p
swapoff
