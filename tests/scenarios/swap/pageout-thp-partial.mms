machine thp=always
swapon 64m
h = mmap 2m rw
write h 2m 0x22
munmap h+511p 1p
vmstat
madvise h 511p pageout
vmstat
nodes h,h+255p,h+256p,h+510p
read h 511p
