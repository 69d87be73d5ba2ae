# main (CAP_SYS_NICE) migrating itself moves pages shared with its fork child too; the child sees the new node
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0xe1
s = mmap 2p rw shared
write s 2p 0xe2
fork c
use c
read s 2p
use main
migrate_pages from=0 to=1
nodes a*4,s*2
use c
nodes a*4,s*2
write a 1p 0xe3
nodes a*4
read a 4p
