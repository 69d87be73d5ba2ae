# mbind and mprotect together: splits by either, merges only where both protection and policy agree
machine nodes=2 cpus=2
a = mmap 16p rw
write a 16p
mbind a+4p 8p bind nodes=1
mprotect a+8p 8p r
vmas a 16p
mprotect a+8p 8p rw
vmas a 16p
mbind a+8p 8p bind nodes=1
vmas a 16p
mprotect a 8p r
vmas a 16p
mbind a 16p bind nodes=1
vmas a 16p
mprotect a 8p rw
vmas a 16p
numa_maps a 16p
