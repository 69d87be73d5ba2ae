# two fresh tasks map at the same addresses; mprotect none in one does not change the other task's mapping at that address
machine nodes=2 cpus=2
task t
task u
use t
a = mmap 4p rw
write a 4p 0x83
use u
b = mmap 4p rw
write b 4p 0x84
mprotect b 4p none
use t
vmas a 4p
read a 4p
mprotect a 2p r
use u
vmas b 4p
mprotect b 4p rw
read b 4p
