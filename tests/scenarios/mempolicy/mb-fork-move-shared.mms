# after fork the pages are shared: move skips them silently (even with strict), move_all moves them for both tasks
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
fork c
mbind a 4p bind nodes=1 flags=move
nodes a*8
mbind a 4p bind nodes=1 flags=strict,move
mbind a 4p bind nodes=1 flags=strict
nodes a*8
mbind a 4p bind nodes=1 flags=move_all
nodes a*8
use c
nodes a*8
numa_maps a 8p
write a+4p 4p
mbind a+4p 4p bind nodes=1 flags=move
nodes a*8
use main
nodes a*8
vmstat
