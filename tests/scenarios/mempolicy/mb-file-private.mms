# a tmpfs file mapped private: mbind sets the file's shared policy (a later shared mapping shows it); page cache and private copies follow it
machine nodes=2 cpus=2
file f 8p
a = mmap 8p rw private file=f
mbind a 8p bind nodes=1
read a 4p
nodes a*4
write a+4p 4p
nodes a*8
numa_maps a 8p
b = mmap 8p rw shared file=f
numa_maps b 8p
get_mempolicy b
write b 8p
nodes b*8
