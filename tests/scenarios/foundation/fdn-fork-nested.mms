# fork of a fork: the grandchild inherits its parent's (the child's) view, and each of the three keeps its own copy
machine nodes=2 cpus=2
a = mmap 3p rw
write a 3p 0x20
fork c
use c
write a 1p 0x21
fork g
use g
read a 1p
read a 3p
write a+1p 1p 0x22
use c
read a 3p
use main
read a 3p
use g
read a 3p
nodes a*3
b = mmap 1p rw
write b 1p
use c
read b 1p
fork g2
use g2
read a 3p
