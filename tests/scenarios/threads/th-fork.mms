# fork from a thread on CPU 1: the child copies the whole address space and runs on the thread's CPU, so its copies land on node 1; the parent's threads go on
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0x81
thread t1 cpu=1
use t1
b = mmap 4p rw
write b 4p 0x82
fork kid
use kid
read a 8p
read b 4p
write a 2p 0x83
nodes a*8
nodes b*4
thread kt cpu=0
use kt
write b 1p 0x84
nodes b*4
use t1
read a 8p
read b 4p
nodes a*8
use main
read b 4p
