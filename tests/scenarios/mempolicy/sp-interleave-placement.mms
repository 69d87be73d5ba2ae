# task interleave policy: written pages alternate by page address, whatever the mapping or write order
machine nodes=2 cpus=2
set_mempolicy interleave nodes=0-1
a = mmap 8p rw
write a 8p
nodes a*8
b = mmap 5p rw
write b+4p 1p
write b+3p 1p
write b 3p
nodes b*5
c = mmap 3p rw
write c 3p
nodes c*3
set_mempolicy weighted_interleave nodes=0-1
d = mmap 6p rw
write d+1p 5p
write d 1p
nodes d*6
numa_maps d 6p
set_mempolicy interleave nodes=1
e = mmap 3p rw
write e 3p
nodes e*3
