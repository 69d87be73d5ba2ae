machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x47
mprotect h+500p 1p r
madvise h+100p 100p pageout
vmstat
nodes h,h+99p,h+100p,h+199p,h+200p,h+500p
smaps h 2m
read h 2m
