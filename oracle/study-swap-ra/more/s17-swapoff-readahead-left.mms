# Pages read ahead by a fault but never touched keep their readahead mark:
# swapoff's unuse walk finds them in the swap cache and counts them as hits
swapon 64m
a = mmap 32p rw
write a 32p 0x45
madvise a 32p pageout
vmstat
read a 32p
madvise a 32p pageout
vmstat
read a+9p 1p
vmstat
read a+20p 1p
vmstat
swapoff
vmstat
read a 32p
