# VMAs split before fork get one anon_vma each in the child: restoring rw re-merges them in the parent but not in the child
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x87
mprotect a+2p 2p r
fork c
use c
mprotect a+2p 2p rw
vmas a 4p
write a 4p 0x88
use main
mprotect a+2p 2p rw
vmas a 4p
read a 4p
