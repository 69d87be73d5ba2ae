# a thread on each node: each one's first touches land on its own node; a thread's memory policy is its own, and a new thread inherits its creator's
machine nodes=2 cpus=2
a = mmap 16p rw
thread n0 cpu=0
thread n1 cpu=1
use n0
write a 4p 0x61
use n1
write a+4p 4p 0x62
nodes a*8
set_mempolicy bind nodes=0
write a+8p 2p 0x63
get_mempolicy
thread n1b
use n1b
get_mempolicy
write a+10p 2p 0x64
use n0
get_mempolicy
write a+12p 2p 0x65
use main
get_mempolicy
write a+14p 2p 0x66
nodes a*16
numa_maps a 16p
