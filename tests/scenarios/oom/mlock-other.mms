# mlock in a small task when a larger one (400 MiB) holds the memory: the
# larger one is killed and the mlock succeeds (mlock = 0)
machine nodes=2 cpus=2
a = mmap 200m rw
b = mmap 200m rw
write a 200m
write b 200m
task t cpu=1
use t
c = mmap 200m rw
mlock c 200m
read c 4p
use main
read a 1p
