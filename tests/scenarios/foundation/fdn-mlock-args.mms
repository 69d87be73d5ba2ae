# mlock arguments: unaligned start rounds down, length 0 is 0, a PROT_NONE mapping, a wrapping range, a failed-mmap name
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
mlock a+100 1
nodes a*4
mlock a+2p 0
nodes a*4
mlock a+16383 2
nodes a*4
vmas a 4p
n = mmap 4p none
mlock n 4p
nodes n*4
vmas n 8p
madvise n 1p dontneed
munlock n 4p
mlock a 0xfffffffffffff000
munlock a 0xfffffffffffff000
z = mmap 0 rw
mlock z 1p
munlock z 1p
munlock a 0
