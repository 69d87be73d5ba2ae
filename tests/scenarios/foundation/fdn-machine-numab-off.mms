# numa_balancing=0 given: the default.
machine numa_balancing=0
b = mmap 4p rw
write b 4p 0x11
read b+2p 1
