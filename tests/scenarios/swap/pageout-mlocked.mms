# pageout of locked memory (mlock, mmap locked) is EINVAL even with swap on;
# after munlock the range pages out
swapon 64m
a = mmap 8p rw
write a 8p 0x11
mlock a 8p
madvise a 8p pageout
smaps a 8p
l = mmap 8p rw locked
madvise l 8p pageout
munlock a 8p
madvise a 8p pageout
vmstat
smaps a 8p
read a 8p
swapoff
