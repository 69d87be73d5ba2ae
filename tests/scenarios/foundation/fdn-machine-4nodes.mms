# four nodes, four CPUs: CPU c is on node c, so a task's first-touch pages follow its CPU; a cpuset overrides it
machine nodes=4 cpus=4
task t1 cpu=1
task t2 cpu=2
task t3 cpu=3
task m3 mems=3
a = mmap 2p rw
write a 2p
nodes a*2
use t1
b = mmap 2p rw
write b 2p
nodes b*2
use t2
c = mmap 2p rw
write c 2p
nodes c*2
use t3
d = mmap 2p rw
write d 2p
nodes d*2
use m3
e = mmap 2p rw
write e 2p
nodes e*2
use main
move_pages d*2 pid=t3
