# a 10 KiB file mapped as 4 pages: the partial third page is usable, the fourth is SIGBUS; smaps Rss and numa_maps count 3 pages; a private mapping likewise; mlock over the range is ENOMEM and what stays locked.
machine nodes=2 cpus=2
vmstat
file f 10k
s = mmap 4p rw shared file=f
write s 4p
read s+2p 1p
numa_maps s 4p
p = mmap 4p rw private file=f
write p+1p 3p 0x61
smaps p 8p
numa_maps p 8p
mlock s 4p
smaps s 4p
numa_maps s 4p
vmstat
