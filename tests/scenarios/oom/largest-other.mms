# The OOM killer takes the largest process (main, 300 MiB) while a smaller one
# allocates: the allocator's write completes, the data it wrote before reads
# back the same, and main answers ESRCH
machine nodes=2 cpus=2
a = mmap 300m rw
write a 300m 0x01
task t cpu=1
use t
b = mmap 100m rw
c = mmap 200m rw
write b 100m 0x02
read b 100m
write c 200m 0x03
read b 100m
read c 200m
use main
read a 1p
