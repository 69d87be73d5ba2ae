# THP always: a 2 MiB mapping under mbind bind 1 (or preferred 1) gets one huge page on node 1
machine nodes=2 cpus=2 thp=always
a = mmap 512p rw
mbind a 512p bind nodes=1
write a 1p
nodes a,a+1p,a+511p
numa_maps a 512p
b = mmap 512p rw
mbind b 512p preferred nodes=1
write b+100p 1p
nodes b,b+511p
numa_maps b 512p
vmstat
