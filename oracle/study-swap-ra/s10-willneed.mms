# MADV_WILLNEED on part of an evicted range reads exactly those pages (no
# readahead marks, no major fault); later faults find them as plain cache hits
swapon 64m
a = mmap 16p rw
write a 16p 0x6c
madvise a 16p pageout
vmstat
read a 16p
madvise a 16p pageout
vmstat
madvise a+4p 4p willneed
vmstat
read a+4p 1p
vmstat
read a 1p
vmstat
read a+1p 15p
vmstat
swapoff
