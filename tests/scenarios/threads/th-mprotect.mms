# main mprotects memory a thread on CPU 1 has touched: the thread's next write faults at once, reads still work; the thread restores rw for main
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x31
thread t1 cpu=1
use t1
write a 8p 0x32
read a 8p
use main
mprotect a+2p 4p r
vmas a 8p
use t1
write a 2p 0x33
write a+2p 1p 0x34
write a+5p 3p 0x35
read a 8p
vmas a 8p
mprotect a 8p rw
use main
write a+2p 4p 0x36
read a 8p
vmas a 8p
mprotect a 8p none
use t1
read a 1p
write a+7p 1p
nodes a*8
