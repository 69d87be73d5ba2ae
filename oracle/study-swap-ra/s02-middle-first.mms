# 32 evicted pages, first fault in the middle (page 8 = slot 9): cluster-aligned
# window (slots 8-15 = pages 7-14) or VMA window around the address (pages 5-12)?
swapon 64m
a = mmap 32p rw
write a 32p 0x62
madvise a 32p pageout
vmstat
read a 32p
madvise a 32p pageout
vmstat
read a+8p 1p
vmstat
read a+5p 1p
vmstat
read a+13p 1p
vmstat
read a+14p 1p
vmstat
read a+15p 1p
vmstat
read a+4p 1p
vmstat
read a+6p 1p
vmstat
read a+0p 1p
vmstat
read a 32p
vmstat
swapoff
