# a 2 MiB first mapping with THP: aligned below the vDSO's mappings
machine nodes=2 cpus=2 thp=always
h = mmap 2m rw
write h 1
vmas h 2m
nodes h
