# THP always: mbind on part of a 2 MiB mapping before the write splits the VMA, so only small pages fault in
machine nodes=2 cpus=2 thp=always
a = mmap 512p rw
mbind a+256p 256p bind nodes=1
write a 2p
write a+256p 2p
nodes a*2,a+256p*2
numa_maps a 512p
vmstat
