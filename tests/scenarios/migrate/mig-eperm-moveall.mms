# MOVE_ALL without CAP_SYS_NICE is EPERM, checked after the flags (EINVAL) and before the pid (ESRCH), also for queries
machine nodes=2 cpus=2
task bad mems=5
task u uid=1000
task n caps=none
use u
a = mmap 2p rw
write a 2p 0x7b
move_pages a*2 to=1 flags=move_all
move_pages a*2 to=1 flags=move_all pid=bad
move_pages a*2 to=1 flags=5
move_pages a*2 flags=move_all
move_pages a*2 to=1 flags=6
nodes a*2
move_pages a*2 to=1
nodes a*2
use n
b = mmap 2p rw
write b 2p 0x7c
move_pages b*2 to=1 flags=move_all
move_pages b*2 to=1
nodes b*2
