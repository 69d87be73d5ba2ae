# 32 evicted pages read one by one from the last to the first
swapon 64m
a = mmap 32p rw
write a 32p 0x63
madvise a 32p pageout
vmstat
read a 32p
madvise a 32p pageout
vmstat
read a+31p 1p
vmstat
read a+30p 1p
vmstat
read a+29p 1p
vmstat
read a+28p 1p
vmstat
read a+27p 1p
vmstat
read a+26p 1p
vmstat
read a+25p 1p
vmstat
read a+24p 1p
vmstat
read a+23p 1p
vmstat
read a+22p 1p
vmstat
read a+21p 1p
vmstat
read a+20p 1p
vmstat
read a+19p 1p
vmstat
read a+18p 1p
vmstat
read a+17p 1p
vmstat
read a+16p 1p
vmstat
read a+15p 1p
vmstat
read a+14p 1p
vmstat
read a+13p 1p
vmstat
read a+12p 1p
vmstat
read a+11p 1p
vmstat
read a+10p 1p
vmstat
read a+9p 1p
vmstat
read a+8p 1p
vmstat
read a+7p 1p
vmstat
read a+6p 1p
vmstat
read a+5p 1p
vmstat
read a+4p 1p
vmstat
read a+3p 1p
vmstat
read a+2p 1p
vmstat
read a+1p 1p
vmstat
read a+0p 1p
vmstat
swapoff
