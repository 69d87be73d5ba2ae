# Two VMAs (a hole between them), a paged out before b: slots 1-16 for a, 17-32
# for b. Cluster readahead works on slots, so a fault at the end of a reads b's
# pages ahead; the window state is global, not per VMA
swapon 64m
a = mmap 16p rw
h = hole 4p
b = mmap 16p rw
write a 16p 0x66
write b 16p 0x67
madvise a 16p pageout
madvise b 16p pageout
vmstat
read a 16p
read b 16p
madvise a 16p pageout
madvise b 16p pageout
vmstat
read a+15p 1p
vmstat
read b 1p
vmstat
read b+1p 15p
vmstat
read a 1p
vmstat
read a 16p
vmstat
swapoff
