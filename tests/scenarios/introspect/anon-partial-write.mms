# partial-page writes: each page a byte lands on counts once (numa_maps anon=, smaps Rss); a 5000-byte mapping merges with its written neighbour.
machine nodes=2 cpus=2
a = mmap 16p rw
write a+100 10
smaps a 16p
write a+4095 2
smaps a 16p
write a+14336 4096
numa_maps a 16p
smaps a 16p
b = mmap 5000 rw
write b+4000 1000
numa_maps b 2p
smaps b 2p
