# Memory pressure on shared anonymous memory (shmem, 600 MiB) seen by a
# parent and its child: the child's writes show in the parent
swapon 1g
s = mmap 600m rw shared anon
fork kid
write s 300m 0x21
use kid
write s+300m 300m 0x22
read s 300m
use main
read s+300m 300m
read s 300m
