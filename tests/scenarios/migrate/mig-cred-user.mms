# uid 1000 may move pages of another uid-1000 task but not of root, a caps=none root task or uid 2000
machine nodes=2 cpus=2
task u uid=1000
task v uid=1000
task w uid=2000
task n caps=none
a = mmap 2p rw
write a 2p 0x84
use v
b = mmap 2p rw
write b 2p 0x85
use w
c = mmap 2p rw
write c 2p 0x86
use n
d = mmap 2p rw
write d 2p 0x87
use u
move_pages a*2 to=1 pid=main
move_pages c*2 to=1 pid=w
move_pages d*2 to=1 pid=n
move_pages b*2 to=1 pid=v
move_pages b*2 pid=v
move_pages a*2 pid=main
use v
nodes b*2
use main
nodes a*2
