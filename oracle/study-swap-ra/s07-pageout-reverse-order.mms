# Pages paged out one at a time from the last to the first: slots are handed
# out in pageout order (page 15 gets slot 1), so address order is the reverse
# of slot order; then evicted and read in address order
swapon 64m
a = mmap 16p rw
write a 16p 0x68
madvise a+15p 1p pageout
madvise a+14p 1p pageout
madvise a+13p 1p pageout
madvise a+12p 1p pageout
madvise a+11p 1p pageout
madvise a+10p 1p pageout
madvise a+9p 1p pageout
madvise a+8p 1p pageout
madvise a+7p 1p pageout
madvise a+6p 1p pageout
madvise a+5p 1p pageout
madvise a+4p 1p pageout
madvise a+3p 1p pageout
madvise a+2p 1p pageout
madvise a+1p 1p pageout
madvise a+0p 1p pageout
vmstat
read a 16p
madvise a 16p pageout
vmstat
read a+0p 1p
vmstat
read a+1p 1p
vmstat
read a+2p 1p
vmstat
read a+3p 1p
vmstat
read a+4p 1p
vmstat
read a+5p 1p
vmstat
read a+6p 1p
vmstat
read a+7p 1p
vmstat
read a+8p 1p
vmstat
read a+9p 1p
vmstat
read a+10p 1p
vmstat
read a+11p 1p
vmstat
read a+12p 1p
vmstat
read a+13p 1p
vmstat
read a+14p 1p
vmstat
read a+15p 1p
vmstat
swapoff
