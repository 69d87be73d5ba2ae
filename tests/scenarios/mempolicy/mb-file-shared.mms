# a tmpfs file mapped shared: mbind sets the file's policy, which a second mapping of it shows and follows
machine nodes=2 cpus=2
file f 16p
a = mmap 16p rw shared file=f
mbind a 8p bind nodes=1
write a 4p
nodes a*4
b = mmap 16p rw shared file=f
numa_maps b 16p
get_mempolicy b
get_mempolicy b+8p
write b+4p 4p
write b+8p 4p
nodes b*12
numa_maps a 16p
