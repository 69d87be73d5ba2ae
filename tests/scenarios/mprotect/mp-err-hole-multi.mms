# two holes in one range: the change stops at the first hole; VMAs between and after the holes keep their protection
machine nodes=2 cpus=2
a = mmap 10p rw
write a 10p 0x65
munmap a+2p 1p
munmap a+6p 1p
mprotect a 10p none
vmas a 10p
read a 1p
read a+3p 1p
read a+7p 3p
