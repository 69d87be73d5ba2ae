# an unaligned start is EINVAL (any offset inside a page, even with len 0 or a range that is otherwise fine); nothing changes
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x11
mprotect a+1 1p r
mprotect a+4095 1p r
mprotect a+2048 0 r
mprotect a+1p 1p r
vmas a 4p
write a 4p 0x12
read a 4p
