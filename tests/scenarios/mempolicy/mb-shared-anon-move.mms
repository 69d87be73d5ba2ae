# shared anonymous pages with mbind move: pages mapped by one process move, pages mapped by two need move_all
machine nodes=2 cpus=2
s = mmap 8p rw shared
write s 8p
mbind s 2p bind nodes=1 flags=move
nodes s*8
fork c
use c
read s 8p
nodes s*8
use main
mbind s+2p 2p bind nodes=1 flags=move
nodes s*8
mbind s+2p 2p bind nodes=1 flags=strict,move
mbind s+2p 2p bind nodes=1 flags=strict
mbind s+2p 2p bind nodes=1 flags=move_all
nodes s*8
use c
nodes s*8
numa_maps s 8p
vmstat
