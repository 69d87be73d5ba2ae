# 32 evicted pages read with stride 4, then stride 4 from 1, then the rest
swapon 64m
a = mmap 32p rw
write a 32p 0x64
madvise a 32p pageout
vmstat
read a 32p
madvise a 32p pageout
vmstat
read a+0p 1p
vmstat
read a+4p 1p
vmstat
read a+8p 1p
vmstat
read a+12p 1p
vmstat
read a+16p 1p
vmstat
read a+20p 1p
vmstat
read a+24p 1p
vmstat
read a+28p 1p
vmstat
read a+1p 1p
vmstat
read a+5p 1p
vmstat
read a+9p 1p
vmstat
read a+13p 1p
vmstat
read a+17p 1p
vmstat
read a+21p 1p
vmstat
read a+25p 1p
vmstat
read a+29p 1p
vmstat
read a 32p
vmstat
swapoff
