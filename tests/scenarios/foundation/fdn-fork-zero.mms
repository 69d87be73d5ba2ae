# the zero page and fork: zero-page PTEs of a VMA without anon_vma are not copied (child ENOENT, parent EFAULT); a write gives only the writer a real page
machine nodes=2 cpus=2
a = mmap 4p rw
read a 4p
nodes a*4
fork c
use c
nodes a*4
read a 4p
write a+1p 1p 0x40
nodes a*4
read a 4p
use main
nodes a*4
read a 4p
write a+2p 1
nodes a*4
use c
nodes a*4
