# migrate_pages of another task: root on uid 1000 (ok), uid 1000 on root (EPERM), on another uid 1000 (ok), on itself
machine nodes=2 cpus=2
task u uid=1000
task v uid=1000
use u
a = mmap 4p rw
write a 4p 0xd5
use v
b = mmap 4p rw
write b 4p 0xd6
use main
c = mmap 2p rw
write c 2p 0xd7
migrate_pages pid=u from=0 to=1
use u
nodes a*4
migrate_pages pid=main from=0 to=1
migrate_pages pid=v from=0 to=1
migrate_pages from=1 to=0
nodes a*4
use v
nodes b*4
use main
nodes c*2
