# migrate_pages by a task confined to node 0 on main's pages: to=1 is dropped by the caller's cpuset (EINVAL); to=0 works
machine nodes=2 cpus=2
task t mems=0
a = mmap 4p rw
write a 4p 0xf6
move_pages a*2 to=1
use t
migrate_pages pid=main from=0 to=1
migrate_pages pid=main from=1 to=0
migrate_pages pid=main from=0 to=0,1
use main
nodes a*4
