# 4 evicted pages read in address order in one pass
swapon 64m
a = mmap 4p rw
write a 4p 0x71
madvise a 4p pageout
vmstat
read a 4p
madvise a 4p pageout
vmstat
read a 4p
vmstat
swapoff
