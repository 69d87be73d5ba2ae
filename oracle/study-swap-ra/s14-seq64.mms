# 64 evicted pages read in address order in one pass
swapon 64m
a = mmap 64p rw
write a 64p 0x71
madvise a 64p pageout
vmstat
read a 64p
madvise a 64p pageout
vmstat
read a 64p
vmstat
swapoff
