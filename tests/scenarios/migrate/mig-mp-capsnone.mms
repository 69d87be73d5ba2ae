# migrate_pages by a caps=none uid-0 task: EPERM on main; on itself it works (its cpuset allows both nodes)
machine nodes=2 cpus=2
task n caps=none
a = mmap 2p rw
write a 2p 0xd8
use n
b = mmap 2p rw
write b 2p 0xd9
migrate_pages pid=main from=0 to=1
migrate_pages from=0 to=1
nodes b*2
migrate_pages pid=n from=1 to=0
nodes b*2
use main
nodes a*2
