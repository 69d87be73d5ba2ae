# THP always: mbind move of a whole huge page to node 1, and of 4 pages of one (its mapping is split, yet the whole huge page moves)
machine nodes=2 cpus=2 thp=always
a = mmap 512p rw
write a 512p
nodes a,a+511p
mbind a 512p bind nodes=1 flags=move
nodes a,a+511p
numa_maps a 512p
vmstat
b = mmap 512p rw
write b 512p
mbind b 4p bind nodes=1 flags=move
nodes b*5,b+511p
numa_maps b 512p
vmstat
