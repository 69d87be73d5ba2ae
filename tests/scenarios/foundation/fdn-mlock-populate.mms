# mlock populates the locked range and splits the VMA (three entries with equal perms); munlock keeps the pages and, here, the split (populated middle has an anon_vma, its neighbours none)
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 8p rw
nodes a*8
mlock a+2p 4p
nodes a*8
vmas a 8p
madvise a+2p 1p dontneed
madvise a 2p dontneed
munlock a+2p 4p
vmas a 8p
nodes a*8
read a 8p
munlock a 8p
mlock a+1 1
vmas a 8p
nodes a*8
