# where written pages land under each task policy (fresh mappings, CPU 0 on node 0)
machine nodes=2 cpus=2
set_mempolicy bind nodes=1
a = mmap 4p rw
write a 4p
nodes a*4
set_mempolicy preferred nodes=1
b = mmap 4p rw
write b 4p
nodes b*4
set_mempolicy preferred_many nodes=1
c = mmap 4p rw
write c 4p
nodes c*4
set_mempolicy local
d = mmap 4p rw
write d 4p
nodes d*4
set_mempolicy bind nodes=0-1
e = mmap 4p rw
write e 4p
nodes e*4
set_mempolicy default
nodes a*4
numa_maps a 4p
