# after fork, COW copies are allocated on the node of the writer CPU; pages not touched before fork are ENOENT in parent and child
machine nodes=2 cpus=2
task t cpu=1
use t
a = mmap 4p rw
write a 2p 0x30
nodes a*4
fork tc
use tc
nodes a*4
write a+1p 2p 0x31
nodes a*4
read a 4p
use t
nodes a*4
read a 4p
use main
move_pages a*4 pid=t
move_pages a*4 pid=tc
b = mmap 2p rw
write b 2p
fork mc
use mc
write b 1p 0x32
nodes b*2
use tc
move_pages b*2 pid=mc
