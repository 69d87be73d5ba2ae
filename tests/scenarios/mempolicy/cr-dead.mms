# the cpuset outlives its tasks: written after its creator exited it still moves a fork's pages; with no task left even empty mems are accepted
machine nodes=2 cpus=2
task t mems=0
use t
a = mmap 4p rw
write a 4p
fork f
exit
use f
write a 2p 7
nodes a*4
cpuset_mems t 1
nodes a*4
read a 4p
exit
use main
cpuset_mems t none
cpuset_mems t 0
task bad mems=70
cpuset_mems bad 0
