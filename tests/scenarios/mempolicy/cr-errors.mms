# cpuset.mems writes: nodes the machine lacks and empty mems while a task is in the cpuset fail; the same mems is a no-op
machine nodes=2 cpus=2
task t mems=0
use t
a = mmap 4p rw
write a 4p
cpuset_mems t 2
cpuset_mems t 0,5
cpuset_mems t 70
cpuset_mems t 1000
cpuset_mems t none
cpuset_mems t 0
nodes a*4
get_mempolicy flags=mems_allowed
cpuset_mems t 1
nodes a*4
get_mempolicy flags=mems_allowed
cpuset_mems t 0,1
nodes a*4
get_mempolicy flags=mems_allowed
