# pageout of a range where only some pages were ever touched (6 written, 2
# only read: the zero page): only the written ones go to swap
swapon 64m
a = mmap 16p rw
write a 4p 0x11
write a+8p 2p 0x22
read a+12p 2p
madvise a 16p pageout
vmstat
smaps a 16p
nodes a*16
read a 16p
nodes a*16
swapoff
