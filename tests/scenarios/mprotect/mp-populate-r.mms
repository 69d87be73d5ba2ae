# an r populate mapping maps the zero page (EFAULT in nodes); mprotect rw keeps the zero page until a write, which allocates a real page
machine nodes=2 cpus=2
a = mmap 4p r populate
nodes a*4
mprotect a 4p rw
nodes a*4
read a 4p
write a+2p 1p 0x54
nodes a*4
read a 4p
