# migrate_pages and cpusets: a mems=0 task to node 1 (root: EINVAL, caps=none: EPERM); main moves it to node 1 anyway
machine nodes=2 cpus=2
task t mems=0
task n caps=none mems=0
use t
a = mmap 4p rw
write a 4p 0xda
migrate_pages from=0 to=1
migrate_pages from=0 to=0,1
nodes a*4
use n
b = mmap 2p rw
write b 2p 0xdb
migrate_pages from=0 to=1
migrate_pages from=0 to=0
use main
migrate_pages pid=t from=0 to=1
use t
nodes a*4
move_pages a*4 to=0
move_pages a*4 to=1
write a 1p 0xdc
nodes a*4
