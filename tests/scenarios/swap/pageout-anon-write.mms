# A write fault on a paged-out page frees its swap slot (Swap= drops, no
# swapcache= left), and the new data is what is read
swapon 64m
a = mmap 16p rw
write a 16p 0x11
madvise a 16p pageout
write a 16p 0x22
read a 16p
smaps a 16p
numa_maps a 16p
vmstat
swapoff
vmstat
