# pageout of pages 4-7 of 16: only they are swapped
swapon 64m
a = mmap 16p rw
write a 16p 0x11
madvise a+4p 4p pageout
vmstat
smaps a 16p
nodes a*16
read a 16p
swapoff
