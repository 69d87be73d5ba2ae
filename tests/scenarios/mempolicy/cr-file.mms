# page-cache pages of a shared file mapping move with the cpuset, and read back intact
machine nodes=2 cpus=2
file f 8p
task t mems=0
use t
m = mmap 4p rw shared file=f
write m 4p
nodes m*4
cpuset_mems t 1
nodes m*4
read m 4p
