# mbind move with relative/static masks: pages are picked with the mask as given, and placed by the policy
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
mbind a 2p bind+relative nodes=3 flags=move
nodes a*8
mbind a+2p 2p bind+static nodes=1,3 flags=move
nodes a*8
mbind a+4p 2p bind+relative nodes=2 flags=move
nodes a*8
mbind a+6p 2p bind nodes=0,2 flags=move,strict
nodes a*8
numa_maps a 8p
vmstat
