# after a cpuset write, move_pages and migrate_pages check the new mems
machine nodes=2 cpus=2
task t mems=0 uid=1000
use t
a = mmap 4p rw
write a 4p
move_pages a*2 to=1
cpuset_mems t 1
nodes a*4
move_pages a*2 to=0
move_pages a+2p*2 to=1
migrate_pages from=1 to=0
nodes a*4
use main
move_pages a*4 to=0 pid=t
nodes a*4
