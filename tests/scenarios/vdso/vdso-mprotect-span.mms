# mprotect across a mapping and the vDSO's: VMAs before the failing one keep their change
machine nodes=2 cpus=2
a = mmap 4p rw
mprotect a+3p 2p r
vmas a 10p
mprotect a+2p 3p rwx
vmas a 10p
mprotect a+7p 2p rx
mprotect a+7p 2p r
vmas a 10p
mprotect a 10p none
vmas a 10p
mprotect a 10p r
vmas a 10p
