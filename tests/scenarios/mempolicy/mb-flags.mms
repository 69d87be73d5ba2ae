# mbind flags: strict, move, move_all, their combinations and numeric flags (8 and up are EINVAL)
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
mbind a 1p bind nodes=0 flags=strict
mbind a 1p bind nodes=0 flags=move
mbind a 1p bind nodes=0 flags=move_all
mbind a 1p bind nodes=0 flags=strict,move
mbind a 1p bind nodes=0 flags=strict,move,move_all
mbind a 1p bind nodes=0 flags=0
mbind a 1p bind nodes=0 flags=7
mbind a 1p bind nodes=0 flags=8
mbind a 1p bind nodes=0 flags=9
mbind a 1p bind nodes=0 flags=16
mbind a 1p bind nodes=0 flags=0x80000000
mbind a 1p bind nodes=1 flags=move_all
mbind a+1p 1p bind nodes=1 flags=5
mbind a+2p 1p bind nodes=1 flags=1
nodes a*3
numa_maps a 8p
