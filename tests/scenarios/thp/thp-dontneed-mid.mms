machine thp=always
h = mmap 4m rw
write h 4m 0x31
madvise h+100p 50p dontneed
vmstat
smaps h 4m
nodes h+99p,h+100p,h+149p,h+150p
read h 4m
