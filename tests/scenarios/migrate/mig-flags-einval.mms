# flags other than MOVE and MOVE_ALL give EINVAL before anything else (also for a query and a bad node)
machine nodes=2 cpus=2
a = mmap 2p rw
write a 2p 0x72
move_pages a to=1 flags=1
move_pages a to=1 flags=8
move_pages a to=1 flags=3
move_pages a to=1 flags=5
move_pages a to=1 flags=-1
move_pages a to=1 flags=0x10
move_pages a flags=8
move_pages a to=7 flags=1
nodes a*2
move_pages a to=1 flags=6
nodes a*2
