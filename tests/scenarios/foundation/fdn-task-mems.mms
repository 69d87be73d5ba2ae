# a task whose cpuset allows only node 1 allocates there; a cpuset with a node that does not exist fails the task and every later command in it
machine nodes=2 cpus=2
task m mems=1
task bad mems=5
task both mems=0,1 cpu=1
use m
a = mmap 4p rw
write a 4p
nodes a*4
fork mc
use mc
write a+1p 1p 0x11
nodes a*4
use bad
b = mmap 4p rw
write b 1p
read b 1p
nodes b
vmas b 4p
munmap b 4p
mlock b 4p
madvise b 4p dontneed
fork bc
use bc
c = mmap 1p rw
use both
e = mmap 2p rw
write e 2p
nodes e*2
use main
move_pages a*4 pid=m
move_pages a*4 pid=bad
move_pages a*4 pid=bc
f = mmap 2p rw
write f 2p
nodes f*2
