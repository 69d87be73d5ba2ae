# an unprivileged task: move_all is EPERM (even before an unaligned address or a bad range), move works
machine nodes=2 cpus=2
task t uid=1000
use t
a = mmap 8p rw
write a 8p
mbind a 4p bind nodes=1 flags=move_all
mbind a+1 4p bind nodes=1 flags=move_all
mbind a 0 bind nodes=1 flags=move_all
mbind a 4p bind nodes=1 flags=move_all,8
mbind a 4p 99 nodes=1 flags=move_all
nodes a*8
mbind a 4p bind nodes=1 flags=move
mbind a+4p 4p bind nodes=1 flags=strict
nodes a*8
numa_maps a 8p
set_mempolicy bind nodes=1
get_mempolicy
