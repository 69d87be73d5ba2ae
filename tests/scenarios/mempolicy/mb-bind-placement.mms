# mbind bind: pages written from CPU 0 go to node 1 under bind 1, to node 0 under bind 0-1
machine nodes=2 cpus=2
a = mmap 8p rw
mbind a 4p bind nodes=1
mbind a+4p 4p bind nodes=0-1
write a 8p
nodes a*8
numa_maps a 8p
get_mempolicy a
get_mempolicy a+4p
