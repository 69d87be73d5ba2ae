# THP always: task policies bind 1 and interleave for huge-page faults
machine nodes=2 cpus=2 thp=always
set_mempolicy bind nodes=1
a = mmap 512p rw
write a 1p
nodes a,a+511p
set_mempolicy interleave nodes=0-1
b = mmap 1024p rw
write b 1p
write b+512p 1p
nodes b,b+512p
numa_maps b 1024p
set_mempolicy default
vmstat
