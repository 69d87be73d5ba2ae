# mbind interleave: each page's node follows its page number, not its place in the range or the write order
machine nodes=2 cpus=2
a = mmap 6p rw
mbind a 6p interleave nodes=0-1
write a+5p 1p
write a 5p
nodes a*6
b = mmap 8p rw
mbind b+1p 3p interleave nodes=0-1
mbind b+5p 2p interleave nodes=0-1
write b 8p
nodes b*8
numa_maps b 8p
c = mmap 6p rw
mbind c+3p 3p interleave nodes=0-1
write c 6p
nodes c*6
