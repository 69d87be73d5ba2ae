# willneed on pages that are on swap only starts reading them into the swap
# cache (pswpin) without mapping them; the read that follows maps them
swapon 64m
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
read a 8p
madvise a 8p pageout
madvise a 8p willneed
smaps a 8p
read a 8p
vmstat
numa_maps a 8p
swapoff
