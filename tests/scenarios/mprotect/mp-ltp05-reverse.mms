# LTP mprotect05-like, the other way: pages 0-3 made r over a mix of rw, rx and w pieces; the last page keeps rw; then rw over all re-merges
machine nodes=2 cpus=2
a = mmap 5p rw shared
write a 5p 0x0d
mprotect a+1p 1p rx
mprotect a+3p 1p w
mprotect a 4p r
vmas a 5p
write a+3p 1p
write a+4p 1p 0x0e
mprotect a 5p rw
vmas a 5p
read a 5p
