# after fork, writes in the parent are not seen by the child and writes in the child are not seen by the parent
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x01
fork c
write a 1p 0x02
read a 4p
use c
read a 4p
read a 1p
write a+1p 1p 0x03
read a 4p
use main
read a 4p
read a+1p 1p
nodes a*4
use c
nodes a*4
vmas a 4p
