# status EFAULT: hole, munmapped page, the zero page after a read, a failed-mmap name; ENOENT next to them
machine nodes=2 cpus=2
a = mmap 6p rw
write a 2p 0x67
read a+2p 2p
munmap a+5p 1p
h = hole 4p
z = mmap 0 rw
move_pages a,a+1p,a+2p,a+3p,a+4p,a+5p,h,h+3p,z to=1
nodes a*6
move_pages a+2p*2 to=0
move_pages h*4 to=1
move_pages z to=1
write a+2p 1p 0x68
move_pages a+2p*2 to=1
nodes a*6
