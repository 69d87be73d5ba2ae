# thp=never: a 2 MiB-aligned mapping is made of 4 KiB pages: each subpage moves on its own
machine nodes=2 cpus=2
a = mmap 2m rw
write a 2m 0xc7
move_pages a+100p to=1
nodes a+99p*3
move_pages a*512 to=1
nodes a*8
