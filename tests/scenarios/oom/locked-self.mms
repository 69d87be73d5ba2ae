# mmap locked (MAP_LOCKED) of more than the memory left faults the range in
# and kills the task during the mmap (mmap = killed)
machine nodes=2 cpus=2
task t cpu=1
a = mmap 300m rw
write a 300m
b = mmap 300m rw locked
read a 1p
use t
c = mmap 4p rw locked
read c 4p
