# munmap inside a VMA with a policy: both remaining pieces keep it; a new mmap in the gap has none
machine nodes=2 cpus=2
a = mmap 12p rw
mbind a 12p interleave nodes=0-1
write a 12p
munmap a+4p 4p
vmas a 12p
numa_maps a 12p
get_mempolicy a+8p
get_mempolicy a+4p
b = mmap 4p rw
get_mempolicy b
write b 4p
nodes b*4
vmas a 12p
numa_maps a 12p
