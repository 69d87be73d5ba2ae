swapon 16m
a = mmap 16p rw
write a 16p 0x4a
mlock a 8p
madvise a 16p pageout
vmstat
munlock a 8p
madvise a 16p pageout
vmstat
read a 16p
