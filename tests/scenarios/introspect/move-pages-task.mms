# a task on CPU 1 gets its pages on node 1 (numa_maps N1=); main moves some of them to node 0 with pid=: the task's numa_maps, main's none, vmstat.
machine nodes=2 cpus=2
task t cpu=1
use t
a = mmap 8p rw
write a 8p
numa_maps a 8p
use main
numa_maps a 8p
move_pages a*3 to=0 pid=t
vmstat
use t
numa_maps a 8p
nodes a*8
