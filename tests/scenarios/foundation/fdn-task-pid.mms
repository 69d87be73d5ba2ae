# move_pages queries of another task: by name, pid=0, an unknown pid ESRCH, other uid EPERM, uid 0 without caps EPERM, same uid allowed
machine nodes=2 cpus=2
task t
task u uid=1000
task v uid=1000
task n caps=none
use t
b = mmap 4p rw
write b 2p
use main
a = mmap 4p rw
write a 3p
move_pages a*4 pid=0
move_pages a*4
move_pages b*4 pid=t
move_pages a*4 pid=999999
move_pages a*4 pid=-5
use u
c = mmap 2p rw
write c 2p
move_pages a*4 pid=main
move_pages b*4 pid=t
move_pages c*2 pid=u
move_pages c*2 pid=0
use v
move_pages c*2 pid=u
use n
move_pages a*4 pid=main
move_pages c*2 pid=u
d = mmap 1p rw
write d 1p
use t
move_pages d pid=n
use main
move_pages c*2 pid=u
nodes a*4
