# A swap area as large as the disk (1 GiB) works like a small one
swapon 1g
a = mmap 8p rw
write a 8p 0x41
read a 8p
madvise a 8p pageout
vmstat
smaps a 8p
read a 8p
swapoff
