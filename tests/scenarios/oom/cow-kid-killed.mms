# Copy-on-write after fork: the child (350 MiB: the parent's 250 MiB and 100
# MiB of its own) copies the parent's pages and is killed during that write;
# the parent's data is intact
machine nodes=2 cpus=2
a = mmap 250m rw
write a 250m 0x11
read a 250m
fork kid
use kid
c = mmap 100m rw
write c 100m 0x12
write a 250m 0x22
read a 1p
use main
read a 250m
