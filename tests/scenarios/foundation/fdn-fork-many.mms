# several children of one parent each get their own copy-on-write view; a mapping made after the forks exists only in the parent
machine nodes=2 cpus=2
a = mmap 2p rw
write a 2p 0x10
fork c1
fork c2
fork c3
use c1
write a 1p 0x11
use c2
write a+1p 1p 0x12
use c3
read a 2p
use main
read a 2p
use c1
read a 2p
use c2
read a 2p
use c3
write a 2p 0x13
read a 2p
use main
read a 2p
b = mmap 2p rw
write b 2p 0x14
use c1
read b 2p
nodes b*2
nodes a*2
use c2
vmas b 4p
