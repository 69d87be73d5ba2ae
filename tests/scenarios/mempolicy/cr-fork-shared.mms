# a parent and its fork in one cpuset: shared copy-on-write pages move too (cgroup v2 migrates with MOVE_ALL)
machine nodes=2 cpus=2
task t mems=0
use t
a = mmap 6p rw
write a 6p
fork c
use c
write a 2p 9
use t
nodes a*6
cpuset_mems t 1
nodes a*6
use c
nodes a*6
read a 6p
