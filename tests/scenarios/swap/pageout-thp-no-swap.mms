# pageout of a 2 MiB huge page without swap: nothing is written; is it split?
machine thp=always
h = mmap 2m rw
write h 2m 0x11
madvise h 2m pageout
vmstat
smaps h 2m
read h 2m
