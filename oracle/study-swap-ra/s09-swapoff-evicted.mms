# swapoff of 16 evicted pages (the writeback finished before the read pass: a
# vmstat in between), then a swapoff whose unuse walk meets the slots in
# descending order (pages paged out one at a time from the last)
swapon 64m
a = mmap 16p rw
write a 16p 0x11
madvise a 16p pageout
vmstat
read a 16p
madvise a 16p pageout
vmstat
swapoff
vmstat
swapon 64m
b = mmap 16p rw
write b 16p 0x12
madvise b+15p 1p pageout
madvise b+14p 1p pageout
madvise b+13p 1p pageout
madvise b+12p 1p pageout
madvise b+11p 1p pageout
madvise b+10p 1p pageout
madvise b+9p 1p pageout
madvise b+8p 1p pageout
madvise b+7p 1p pageout
madvise b+6p 1p pageout
madvise b+5p 1p pageout
madvise b+4p 1p pageout
madvise b+3p 1p pageout
madvise b+2p 1p pageout
madvise b+1p 1p pageout
madvise b+0p 1p pageout
vmstat
read b 16p
madvise b 16p pageout
vmstat
swapoff
vmstat
read a 16p
read b 16p
