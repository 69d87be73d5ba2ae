# MAP_POPULATE in a small task when a larger one (400 MiB) holds the memory:
# the larger one is killed, the mmap succeeds and its pages read as zeros
machine nodes=2 cpus=2
a = mmap 300m rw
b = mmap 100m rw
write a 300m
write b 100m
task t cpu=1
use t
c = mmap 200m rw populate
read c 200m
use main
read a 1p
