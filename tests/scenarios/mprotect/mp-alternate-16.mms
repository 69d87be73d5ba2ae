# 16 pages with alternating protections (r on odd pages) make 16 VMAs; one call making all rw merges them into one
machine nodes=2 cpus=2
a = mmap 16p rw
write a 16p 0x14
mprotect a+1p 1p r
mprotect a+3p 1p r
mprotect a+5p 1p r
mprotect a+7p 1p r
mprotect a+9p 1p r
mprotect a+11p 1p r
mprotect a+13p 1p r
mprotect a+15p 1p r
vmas a 16p
write a 16p 0x15
mprotect a 16p rw
vmas a 16p
write a 16p 0x16
read a 16p
