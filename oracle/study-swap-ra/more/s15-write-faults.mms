# Write faults on evicted pages: same readahead as reads, but each write fault
# drops the swap-cache copy and frees its slot (into the per-CPU return cache),
# so the next pageout takes fresh slots (17-32), read ahead from there
swapon 64m
a = mmap 16p rw
write a 16p 0x41
madvise a 16p pageout
vmstat
read a 16p
madvise a 16p pageout
vmstat
write a 16p 0x42
vmstat
madvise a 16p pageout
vmstat
read a 16p
madvise a 16p pageout
vmstat
read a+8p 1p
vmstat
read a 16p
vmstat
swapoff
