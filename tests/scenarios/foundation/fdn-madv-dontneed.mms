# madvise dontneed on private anonymous memory drops the pages: nodes says ENOENT, reads give zeros again (zero page, EFAULT), a later write gets a fresh page
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0xe1
read a 8p
madvise a+2p 4p dontneed
nodes a*8
read a 8p
nodes a*8
madvise a 8p dontneed
nodes a*8
write a+7p 1p 0xe2
read a 8p
nodes a*8
vmas a 8p
