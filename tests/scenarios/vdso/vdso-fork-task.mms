# The vDSO's mappings after fork (inherited) and in a new process (its own), and a second mapping below
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p
fork kid
use kid
vmas a 10p
b = mmap 2p rw
vmas b 12p
munmap a+8p 2p
vmas a 10p
use main
vmas a 10p
task t
use t
c = mmap 4p rw
vmas c 10p
