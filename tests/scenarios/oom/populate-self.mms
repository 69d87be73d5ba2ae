# MAP_POPULATE of more than the machine has left kills the mapping task during
# the mmap (mmap = killed); the name it bound is all ones afterwards (munmap of
# it is EINVAL in another task)
machine nodes=2 cpus=2
task t cpu=1
a = mmap 300m rw
write a 300m
b = mmap 300m rw populate
read a 1p
use t
munmap b 4p
c = mmap 4p rw populate
read c 4p
