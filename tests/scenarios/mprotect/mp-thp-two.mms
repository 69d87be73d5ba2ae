# thp=always: a 4 MiB mapping (two huge pages); mprotect r of the second huge page exactly and of a range straddling both
machine nodes=2 cpus=2 thp=always
a = mmap 4m rw
write a 4m 0x76
mprotect a+2m 2m r
vmas a 4m
move_pages a+512p to=1
nodes a,a+511p,a+512p,a+1023p
mprotect a+510p 4p none
vmas a 4m
read a+509p 1p
read a+514p 1p
mprotect a 4m rw
vmas a 4m
nodes a,a+511p,a+512p,a+1023p
