# thp=always: a thread on CPU 1 first touches a 2 MiB-aligned range, so the huge page is on node 1; main's mprotect of one page splits it under the thread
machine nodes=2 cpus=2 thp=always
a = mmap 4m rw
thread t1 cpu=1
use t1
write a 1p 0xa1
nodes a,a+511p,a+512p
use main
mprotect a+1p 1p r
vmas a 4m
use t1
write a+1p 1p
write a+2p 1p 0xa2
read a 4p
nodes a*4
use main
move_pages a*4 to=0
read a 4p
vmstat
