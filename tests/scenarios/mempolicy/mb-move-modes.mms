# mbind move moves only pages outside the given mask: bind, preferred, interleave, preferred_many, local and default
machine nodes=2 cpus=2
a = mmap 12p rw
write a 12p
mbind a 2p bind nodes=1 flags=move
mbind a+2p 2p preferred nodes=1 flags=move
mbind a+4p 2p preferred nodes=0-1 flags=move
mbind a+6p 2p interleave nodes=0-1 flags=move
mbind a+8p 2p preferred_many nodes=1 flags=move
mbind a+10p 2p interleave nodes=1 flags=move
nodes a*12
mbind a 2p local flags=move
mbind a+2p 2p default flags=move
mbind a+8p 2p preferred nodes=none flags=move
nodes a*12
numa_maps a 12p
vmstat
