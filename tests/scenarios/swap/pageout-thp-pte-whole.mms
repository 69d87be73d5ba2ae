machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x44
mprotect h+10p 1p r
mprotect h+10p 1p rw
vmas h 2m
vmstat
madvise h 2m pageout
vmstat
nodes h,h+10p,h+511p
read h 2m
