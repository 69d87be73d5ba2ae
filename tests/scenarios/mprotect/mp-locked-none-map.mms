# a none locked mapping has no pages; mprotect r does not populate it (ENOENT, not even the zero page); mprotect rw of the locked range populates real pages
machine nodes=2 cpus=2
a = mmap 4p none locked
nodes a*4
mprotect a 2p r
nodes a*4
mprotect a+2p 2p rw
nodes a*4
madvise a+2p 1p dontneed
vmas a 4p
read a 4p
