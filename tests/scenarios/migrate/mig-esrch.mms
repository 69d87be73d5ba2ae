# an unknown pid (a task that could not be created) is ESRCH, after the flag checks, before the node checks
machine nodes=2 cpus=2
task bad mems=7
a = mmap 2p rw
write a 2p 0x7d
move_pages a to=1 pid=bad
move_pages a pid=bad
move_pages a to=9 pid=bad
move_pages a to=1 flags=8 pid=bad
move_pages a to=1 flags=move_all pid=bad
migrate_pages pid=bad from=0 to=1
migrate_pages pid=bad from=0 to=
nodes a*2
