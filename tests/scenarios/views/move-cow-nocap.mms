# COW-shared pages of an unprivileged task (uid 1000): move_all is EPERM, a plain move is EACCES for shared pages and moves its private copies; root main moves them with pid= and move_all; numa_maps/smaps of both.
machine nodes=2 cpus=2
task t uid=1000
use t
a = mmap 8p rw
write a 8p
fork tc
use tc
write a+6p 2p 0x61
use t
move_pages a*8 to=1 flags=move_all
move_pages a*8 to=1
numa_maps a 8p
use main
move_pages a*4 to=1 flags=move_all pid=t
move_pages a*8 pid=tc
use tc
numa_maps a 8p
smaps a 8p
use t
smaps a 8p
vmstat
