# A private mapping of a tmpfs file: the pages written (private copies,
# anonymous) are swapped by pageout, the ones only read (the file's page
# cache, also mapped by the shared mapping m) are not
swapon 64m
file f 16p
m = mmap 16p rw shared file=f
write m 16p 0x91
p = mmap 16p rw private file=f
write p 8p 0x92
read p+8p 8p
madvise p 16p pageout
vmstat
smaps p 16p
numa_maps p 16p
read p 16p
swapoff
