# pageout of a whole 2 MiB huge page (THP always, 2 MiB-aligned mapping):
# written out as one unit or split? The data reads back
machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x11
read h 2m
smaps h 2m
madvise h 2m pageout
vmstat
smaps h 2m
nodes h,h+511p
read h 2m
smaps h 2m
swapoff
