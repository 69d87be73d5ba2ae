# migrate_pages 0 -> 1 of private, COW-shared, shared anonymous and file pages, then of a child's pages back: numa_maps of both tasks (no vmstat after migrate_pages).
machine nodes=2 cpus=2
file f 4p
a = mmap 4p rw
s = mmap 4p rw shared
m = mmap 4p rw shared file=f
write a 4p
write s 4p
write m 4p
fork child
use child
write a 2p 0x77
read s 1
use main
migrate_pages from=0 to=1
numa_maps m 12p
use child
numa_maps m 12p
migrate_pages pid=child from=1 to=0
numa_maps m 12p
use main
numa_maps m 12p
