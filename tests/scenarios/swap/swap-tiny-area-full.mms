# A 16-page swap area (15 slots after the header) and 32 pages to page out:
# how many are written, what stays mapped, and the data of all of them
swapon 16p
a = mmap 32p rw
write a 32p 0x52
read a 32p
madvise a 32p pageout
vmstat
smaps a 32p
read a 32p
swapoff
