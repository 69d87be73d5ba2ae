# Copy-on-write after fork when the parent is the larger (400 MiB against the
# child's 250 MiB): the parent dies while the child writes the shared pages,
# and the child's write completes
machine nodes=2 cpus=2
a = mmap 250m rw
b = mmap 150m rw
write a 250m 0x11
write b 150m 0x12
fork kid
use kid
munmap b 150m
write a 250m 0x22
read a 250m
use main
read a 1p
