# Shared anonymous memory (shmem) paged out with swap on: does it go to swap,
# what smaps and numa_maps say, and the data read back
swapon 64m
s = mmap 16p rw shared anon
write s 16p 0x71
read s 16p
madvise s 16p pageout
vmstat
smaps s 16p
numa_maps s 16p
nodes s*4
read s 16p
smaps s 16p
numa_maps s 16p
swapoff
