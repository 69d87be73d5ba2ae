# mbind move of mlocked pages: they migrate and stay locked
machine nodes=2 cpus=2
a = mmap 8p rw locked
nodes a*8
mbind a 4p bind nodes=1 flags=move
nodes a*8
mbind a+4p 4p bind nodes=1 flags=strict
numa_maps a 8p
smaps a 8p
vmstat
