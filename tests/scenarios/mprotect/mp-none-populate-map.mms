# a none populate mapping (not locked) has no pages; mprotect rw does not populate it; the first write faults in a page
machine nodes=2 cpus=2
a = mmap 4p none populate
nodes a*4
mprotect a 4p rw
nodes a*4
write a+1p 1p 0x89
nodes a*4
