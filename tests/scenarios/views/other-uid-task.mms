# a task with uid 1000 (no capabilities) on CPU 1: its own views (N1=); it moves its own pages but not with move_all (EPERM) nor main's (EPERM); root main moves its pages; mlock within and beyond RLIMIT_MEMLOCK.
machine nodes=2 cpus=2
task other uid=1000 cpu=1
use other
a = mmap 8p rw
write a 8p
numa_maps a 8p
move_pages a*2 to=0
move_pages a*2 to=0 flags=move_all
mlock a 8p
big = mmap 9m rw
mlock big 9m
smaps big 9m
use main
b = mmap 4p rw
write b 4p
use other
move_pages b*2 to=1 pid=main
use main
move_pages a+4p*4 to=0 pid=other
use other
numa_maps a 8p
vmstat
