# a second task has its own address space: main's names point at unmapped memory there, until the task maps the same address itself
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x81
x = mmap 2p rw
task t
use t
read a 4p
write x 1
nodes a*4
vmas a 4p
b = mmap 4p rw
write b 4p 0x82
read a 4p
read b 4p
vmas x 6p
use main
read a 4p
read b 4p
vmas x 6p
move_pages b*4 pid=t
