# a read of untouched private anonymous memory maps the shared zero page (nodes EFAULT); untouched pages of a VMA are ENOENT; a write then gives a real page
machine nodes=2 cpus=2
a = mmap 4p rw
nodes a*4
read a 2p
nodes a*4
write a+1p 1 0x61
nodes a*4
read a 4p
write a 4p 0
nodes a*4
read a 4p
r = mmap 2p r
read r 2p
nodes r*2
w = mmap 2p w
read w 1p
nodes w*2
