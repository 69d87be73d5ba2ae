# the LTP mprotect05 pattern on a private anonymous mapping: rx and w pieces inside rw, then one call making pages 1-4 r merges them
machine nodes=2 cpus=2
a = mmap 5p rw
write a 5p 0x01
mprotect a+1p 1p rx
mprotect a+3p 1p w
vmas a 5p
mprotect a+1p 4p r
vmas a 5p
read a 5p
write a+4p 1p
write a 1p 0x02
