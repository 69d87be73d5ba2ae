# shared anonymous memory stays shared after fork (both see each other's writes, even to pages first touched after fork); private memory does not
machine nodes=2 cpus=2
p = mmap 4p rw private
s = mmap 4p rw shared
write s 2p 0x50
write p 2p 0x50
vmas s 8p
fork c
use c
write s+1p 1p 0x51
write p+1p 1p 0x51
write s+3p 1p 0x53
write p+3p 1p 0x53
use main
read s 4p
read p 4p
read s+3p 1p
read p+3p 1p
write s+2p 1p 0x52
use c
read s 4p
read p 4p
nodes s*4
nodes p*4
use main
nodes s*4
nodes p*4
