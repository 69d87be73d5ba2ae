# mlocked written range: mprotect r then rw keeps it locked (dontneed EINVAL) and the data; writes fault only while r
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x50
mlock a 4p
mprotect a+1p 2p r
vmas a 4p
write a+1p 1p
madvise a+1p 1p dontneed
mprotect a+1p 2p rw
vmas a 4p
write a+1p 2p 0x51
madvise a 4p dontneed
read a 4p
munlock a 4p
madvise a 4p dontneed
