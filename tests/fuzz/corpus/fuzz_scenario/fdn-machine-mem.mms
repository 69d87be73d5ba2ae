# machine line with nodes=2 cpus=2 mem=512m: a 64 MiB mapping written from each CPU lands on that CPU's node
machine nodes=2 cpus=2 mem=512m
task t cpu=1
a = mmap 64m rw
write a 64m 0x12
nodes a*16384
use t
b = mmap 64m rw
write b 64m 0x13
read b 64m
nodes b*16384
use main
read a 64m
