# a shared file mapping made r: writes fault, reads see the file; a second shared mapping of the file still writes, and the first sees it
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0xa1
mprotect s 4p r
vmas s 4p
write s+1p 1p
t = mmap 4p rw shared file=f
write t+2p 1p 0xa2
read s 4p
mprotect s 4p rw
write s 1p 0xa3
read t 4p
msync s 4p
