# 16 evicted pages read one by one in address order: which faults are major
swapon 64m
a = mmap 16p rw
write a 16p 0x61
madvise a 16p pageout
vmstat
read a 16p
madvise a 16p pageout
vmstat
read a+0p 1p
vmstat
read a+1p 1p
vmstat
read a+2p 1p
vmstat
read a+3p 1p
vmstat
read a+4p 1p
vmstat
read a+5p 1p
vmstat
read a+6p 1p
vmstat
read a+7p 1p
vmstat
read a+8p 1p
vmstat
read a+9p 1p
vmstat
read a+10p 1p
vmstat
read a+11p 1p
vmstat
read a+12p 1p
vmstat
read a+13p 1p
vmstat
read a+14p 1p
vmstat
read a+15p 1p
vmstat
swapoff
