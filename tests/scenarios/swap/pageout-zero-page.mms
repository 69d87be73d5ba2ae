# Pages only read (the shared zero page) are not swapped by pageout
swapon 64m
a = mmap 8p rw
read a 8p
madvise a 8p pageout
vmstat
smaps a 8p
read a 8p
swapoff
