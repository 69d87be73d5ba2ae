# pageout of the first half of a 2 MiB huge page
machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x11
madvise h 1m pageout
vmstat
smaps h 2m
nodes h,h+255p,h+256p,h+511p
read h 2m
swapoff
