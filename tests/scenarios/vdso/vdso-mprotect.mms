# mprotect of [vvar] (no VM_MAYWRITE/MAYEXEC: EACCES) and [vdso]; a part of either is EINVAL unless nothing changes
machine nodes=2 cpus=2
a = mmap 4p rw
mprotect a+4p 4p rw
mprotect a+4p 4p rx
mprotect a+4p 4p rwx
mprotect a+4p 4p r
mprotect a+4p 4p none
vmas a 10p
read a+4p 1
mprotect a+4p 4p r
mprotect a+5p 1p none
mprotect a+5p 1p r
mprotect a+9p 1p r
mprotect a+9p 1p rx
mprotect a+8p 1p none
mprotect a+8p 2p rwx
vmas a 10p
mprotect a+8p 2p none
vmas a 10p
read a+8p 1
mprotect a+8p 2p rx
vmas a 10p
