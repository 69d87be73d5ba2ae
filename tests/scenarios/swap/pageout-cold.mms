# madvise cold first (deactivates, writes nothing), then pageout
swapon 64m
a = mmap 16p rw
write a 16p 0x11
madvise a 16p cold
vmstat
smaps a 16p
madvise a 16p pageout
vmstat
smaps a 16p
read a 16p
swapoff
