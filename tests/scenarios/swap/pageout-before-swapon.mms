# The same pages paged out before and after swapon: only the second pageout
# writes them to swap
a = mmap 16p rw
write a 16p 0x11
madvise a 16p pageout
swapon 64m
madvise a 16p pageout
vmstat
smaps a 16p
read a 16p
swapoff
