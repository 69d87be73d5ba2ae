# a locked r mapping is populated with the zero page; mprotect rw of a locked private range populates (breaks COW) real pages at once
machine nodes=2 cpus=2
a = mmap 4p r locked
nodes a*4
mprotect a+1p 2p rw
nodes a*4
vmas a 4p
write a+1p 2p 0x52
read a 4p
mprotect a 4p rw
nodes a*4
vmas a 4p
