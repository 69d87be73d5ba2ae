# 32 evicted pages read in address order in one pass
swapon 64m
a = mmap 32p rw
write a 32p 0x71
madvise a 32p pageout
vmstat
read a 32p
madvise a 32p pageout
vmstat
read a 32p
vmstat
swapoff
