# Zero-filled pages: pageout writes nothing (zeromap) and frees them at once;
# reading them back goes through readahead without pswpin
swapon 64m
a = mmap 16p rw
write a 16p 0x00
madvise a 16p pageout
vmstat
smaps a 16p
read a 1p
vmstat
read a+1p 15p
vmstat
b = mmap 16p rw
write b 8p 0x00
write b+8p 8p 0x70
madvise b 16p pageout
vmstat
read b+8p 8p
madvise b+8p 8p pageout
vmstat
read b 1p
vmstat
read b+1p 15p
vmstat
swapoff
