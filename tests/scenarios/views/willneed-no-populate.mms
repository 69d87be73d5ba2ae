# madvise willneed without swap: shared file (tmpfs), shared anonymous and private anonymous mappings get no new pages (numa_maps, smaps); pages already there stay; an unmapped range is ENOMEM.
machine nodes=2 cpus=2
file f 8p
a = mmap 8p rw
s = mmap 8p rw shared
m = mmap 8p rw shared file=f
h = hole 4p
write m 2p
write a+7p 1
madvise m 8p willneed
madvise s 8p willneed
madvise a 8p willneed
madvise h 4p willneed
numa_maps m 24p
smaps m 24p
vmstat
