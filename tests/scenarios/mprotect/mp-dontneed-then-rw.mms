# dontneed then mprotect r: reads of zapped pages give the zero page (EFAULT in nodes); rw then write allocates real pages
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x5e
madvise a 2p dontneed
mprotect a 4p r
read a 4p
nodes a*4
mprotect a 4p rw
write a 1p 0x5f
nodes a*4
