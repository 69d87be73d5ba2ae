# After swapoff, pageout writes nothing: the pages stay mapped
swapon 64m
swapoff
a = mmap 8p rw
write a 8p 0x11
madvise a 8p pageout
vmstat
smaps a 8p
nodes a*8
