# mlock/munlock over a range with a hole fail with ENOMEM; the VMAs before the hole are locked (split) but nothing is populated
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 8p rw
munmap a+3p 2p
mlock a+1p 6p
vmas a 8p
nodes a*8
madvise a+1p 1p dontneed
madvise a 1p dontneed
madvise a+5p 1p dontneed
munlock a+1p 6p
vmas a 8p
madvise a+1p 1p dontneed
h = hole 2p
mlock h 2p
mlock a+3p 2p
mlock a+3p 3p
nodes a*8
madvise a+5p 1p dontneed
