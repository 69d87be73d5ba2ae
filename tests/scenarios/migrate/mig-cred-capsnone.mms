# a caps=none uid-0 task: EPERM on main (capability subset rule) and on uid 1000; itself and another caps=none root are fine
machine nodes=2 cpus=2
task n caps=none
task m caps=none
task u uid=1000
a = mmap 2p rw
write a 2p 0x88
use m
b = mmap 2p rw
write b 2p 0x89
use u
c = mmap 2p rw
write c 2p 0x8a
use n
d = mmap 2p rw
write d 2p 0x8b
move_pages a*2 to=1 pid=main
move_pages c*2 to=1 pid=u
move_pages b*2 to=1 pid=m
move_pages d*2 to=1 pid=n
move_pages d*2 to=0 pid=0
nodes d*2
use m
nodes b*2
