# A shared mapping of a tmpfs file paged out with swap on: written pages of a
# file on tmpfs go to swap too; the data reads back
swapon 64m
file f 16p
m = mmap 16p rw shared file=f
write m 16p 0x81
read m 16p
madvise m 16p pageout
vmstat
smaps m 16p
numa_maps m 16p
read m 16p
smaps m 16p
numa_maps m 16p
swapoff
