# strict,move moves misplaced pages and applies the policy; a second strict check then passes
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
mbind a 4p bind nodes=1 flags=strict,move
nodes a*8
numa_maps a 8p
mbind a 4p bind nodes=1 flags=strict
mbind a+4p 4p interleave nodes=1 flags=move
nodes a*8
mbind a 8p bind nodes=1 flags=strict
numa_maps a 8p
vmstat
