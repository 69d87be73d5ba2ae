# THP always: huge pages under interleave go by huge-page number; small pages of a split VMA by page number
machine nodes=2 cpus=2 thp=always
a = mmap 1024p rw
mbind a 1024p interleave nodes=0-1
write a 1p
write a+512p 1p
nodes a,a+511p,a+512p,a+1023p
numa_maps a 1024p
b = mmap 512p rw
mbind b 4p interleave nodes=0-1
write b 8p
nodes b*8
vmas b 512p
vmstat
