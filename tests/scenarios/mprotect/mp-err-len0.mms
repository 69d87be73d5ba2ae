# len 0 returns 0 without looking at the range: on a mapped page (nothing changes), on an unmapped hole, and on an address past the user address space
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x21
h = hole 4p
mprotect a 0 none
vmas a 4p
write a 1p 0x22
mprotect h 0 r
mprotect a+0x7fff00000000 0 r
mprotect h 0 rwx
read a 4p
