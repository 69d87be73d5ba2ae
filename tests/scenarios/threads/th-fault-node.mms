# a thread on CPU 1 (node 1) faults pages of main's mapping onto node 1; main's faults stay on node 0; both see one address space
machine nodes=2 cpus=2
a = mmap 16p rw
write a 8p 0x11
thread t1 cpu=1
use t1
write a+8p 8p 0x22
nodes a*16
read a 16p
b = mmap 4p rw
read b 4p
write b+2p 2p
use main
nodes a*16
read a 16p
nodes b*4
vmas b 4p
numa_maps a 16p
smaps a 16p
