# one page cycled through every protection, with a read and a write after each change; the data survives every change
machine nodes=2 cpus=2
a = mmap 1p rw
write a 1p 0x2c
mprotect a 1p none
read a 1p
mprotect a 1p r
read a 1p
write a 1p 0x2d
mprotect a 1p x
read a 1p
mprotect a 1p w
write a 1p 0x2e
mprotect a 1p rx
read a 1p
write a 1p
mprotect a 1p rwx
write a 1p 0x2f
read a 1p
