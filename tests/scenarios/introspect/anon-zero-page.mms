# private anonymous memory: written pages count in numa_maps and smaps, pages only read (the shared zero page) do not.
machine nodes=2 cpus=2
a = mmap 8p rw
numa_maps a 8p
smaps a 8p
read a 4p
numa_maps a 8p
smaps a 8p
write a+4p 2p
numa_maps a 8p
smaps a 8p
write a+1p 1p
read a 8p
numa_maps a 8p
smaps a 8p
nodes a*8
