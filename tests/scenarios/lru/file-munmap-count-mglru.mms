# one tmpfs file mapped, read and unmapped again and again: munmap of young PTEs marks its pages accessed (once per munmap); a last mapping shows the result
machine nodes=2 cpus=2 lru=mglru
vmstat
file f 4p
s1 = mmap 4p r shared file=f
read s1 4p
numa_maps s1 4p
munmap s1 4p
vmstat
s2 = mmap 4p r shared file=f
read s2 2p
numa_maps s2 4p
munmap s2 4p
vmstat
s3 = mmap 4p r shared file=f
read s3 1p
numa_maps s3 4p
munmap s3 4p
vmstat
s4 = mmap 4p r shared file=f
read s4 4p
numa_maps s4 4p
smaps s4 4p
vmstat
