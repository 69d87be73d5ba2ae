# mbind interleave with move: misplaced pages go where a fault would put them (by page number)
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p
mbind a+1p 6p interleave nodes=1 flags=move
nodes a*8
mbind a 8p interleave nodes=0-1 flags=move
nodes a*8
b = mmap 8p rw
write b 8p
move_pages b*8 to=1
mbind b+1p 5p interleave nodes=0 flags=move
nodes b*8
mbind b 8p weighted_interleave nodes=0-1 flags=move
nodes b*8
numa_maps b 8p
vmstat
