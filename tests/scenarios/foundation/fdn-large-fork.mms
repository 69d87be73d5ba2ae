# fork of a 16 MiB written mapping: the child rewrites half, the parent still reads the old data; the child's copies are where it runs
machine nodes=2 cpus=2
task t cpu=1
use t
a = mmap 16m rw
write a 16m 0x01
fork c
use c
write a+8m 8m 0x02
read a 16m
nodes a*4096
use t
read a 16m
nodes a*4096
use main
move_pages a*4096 pid=c
