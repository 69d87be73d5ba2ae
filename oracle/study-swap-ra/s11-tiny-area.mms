# A 16-page area (15 slots, below the slots-cache threshold, and over half full
# with 15 pages in it): slots, readahead clipped at the end of the area, and a
# fault on a swap-cache page frees its slot (vm_swap_full)
swapon 16p
a = mmap 15p rw
write a 15p 0x6d
madvise a 15p pageout
vmstat
smaps a 15p
read a 15p
vmstat
smaps a 15p
madvise a 15p pageout
vmstat
read a 15p
madvise a 15p pageout
vmstat
read a+7p 1p
vmstat
read a+14p 1p
vmstat
read a 15p
vmstat
swapoff
