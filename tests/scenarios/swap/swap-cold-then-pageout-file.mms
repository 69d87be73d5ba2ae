swapon 16m
file f 1m
a = mmap 1m rw shared file=f
write a 1m 0x49
madvise a 1m cold
vmstat
madvise a 1m pageout
vmstat
read a 1m
