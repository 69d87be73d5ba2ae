# root (main, all capabilities) moves the pages of a uid-1000 task, of a caps=none root task and of another root task
machine nodes=2 cpus=2
task u uid=1000
task n caps=none
task r
use u
a = mmap 2p rw
write a 2p 0x81
use n
b = mmap 2p rw
write b 2p 0x82
use r
c = mmap 2p rw
write c 2p 0x83
use main
move_pages a*2 to=1 pid=u
move_pages b*2 to=1 pid=n
move_pages c*2 to=1 pid=r
move_pages a*2 pid=u
use u
nodes a*2
read a 2p
use n
nodes b*2
use r
nodes c*2
move_pages a*2 to=0 pid=u
use u
nodes a*2
