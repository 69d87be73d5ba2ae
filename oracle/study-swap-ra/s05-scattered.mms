# 32 evicted pages, scattered faults: the window shrinks (8, 4, 2, 1) without hits
swapon 64m
a = mmap 32p rw
write a 32p 0x65
madvise a 32p pageout
vmstat
read a 32p
madvise a 32p pageout
vmstat
read a+20p 1p
vmstat
read a+3p 1p
vmstat
read a+11p 1p
vmstat
read a+27p 1p
vmstat
read a+0p 1p
vmstat
read a+30p 1p
vmstat
read a+17p 1p
vmstat
read a+9p 1p
vmstat
read a+10p 1p
vmstat
read a+12p 1p
vmstat
read a+13p 1p
vmstat
read a 32p
vmstat
swapoff
