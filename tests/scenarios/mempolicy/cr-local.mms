# the default policy and local allocation follow the cpuset: new pages go to the nearest allowed node of the CPU
machine nodes=4 cpus=4 distance=10,20,30,40,20,10,20,30,30,20,10,20,40,30,20,10
task t mems=0 cpu=0
use t
set_mempolicy local
a = mmap 2p rw
write a 2p
nodes a*2
cpuset_mems t 2,3
nodes a*2
b = mmap 2p rw
write b 2p
nodes b*2
cpuset_mems t 3,1
nodes a*2
c = mmap 2p rw
write c 2p
nodes c*2
get_mempolicy
