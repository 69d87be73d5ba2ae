# madvise dontneed on shared anonymous memory only unmaps: the data is kept and read back; pageout unmaps the pages too (ENOENT) but keeps the data; cold keeps it
machine nodes=2 cpus=2
s = mmap 4p rw shared
write s 4p 0xe3
madvise s 2p dontneed
nodes s*4
read s 4p
nodes s*4
madvise s 4p pageout
nodes s*4
madvise s 4p cold
read s 4p
fork c
use c
madvise s 4p dontneed
write s 1p 0xe4
use main
read s 4p
