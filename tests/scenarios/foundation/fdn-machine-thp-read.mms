# thp=always: what a read fault on an untouched 2 MiB-aligned range maps (nodes of its pages), for read-only and read-write private mappings, then a write
machine nodes=2 cpus=2 thp=always
top = mmap 4p none
r = mmap 2m r
read r 1
nodes r,r+1p,r+511p
a = mmap 2m rw
read a 1
nodes a,a+1p,a+511p
write a+1p 1
nodes a,a+1p,a+2p,a+511p
read a 2m
n = mmap 4p rw
read n 1
nodes n,n+1p
