# A second pageout of pages already paged out does nothing; pageout of pages
# read back from the swap cache (clean) writes nothing again but frees them,
# so the next read is a real swap-in (pswpin, pgmajfault)
swapon 64m
a = mmap 16p rw
write a 16p 0x61
madvise a 16p pageout
madvise a 16p pageout
vmstat
read a 16p
madvise a 16p pageout
vmstat
smaps a 16p
read a 16p
vmstat
numa_maps a 16p
swapoff
