# A task whose cpuset allows node 1 only (mems=1) fills node 1 and is killed
# though node 0 has room; main (100 MiB on node 0) survives, and a new mems=1
# task then has node 1 again
machine nodes=2 cpus=2
task t mems=1
a = mmap 100m rw
write a 100m 0x01
use t
b = mmap 300m rw
write b 300m
read b 1p
use main
read a 100m
task u mems=1
use u
c = mmap 100m rw
write c 100m 0x02
read c 100m
