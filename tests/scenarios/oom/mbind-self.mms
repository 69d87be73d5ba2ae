# mbind bind nodes=1 over 300 MiB: the writer fills node 1 and is killed
# during the write; t (100 MiB on node 0) survives with its data
machine nodes=2 cpus=2
task t
use t
b = mmap 100m rw
write b 100m 0x07
read b 100m
use main
a = mmap 300m rw
mbind a 300m bind nodes=1
write a 300m
read a 1p
use t
read b 100m
