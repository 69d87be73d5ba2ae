# thp=always: moving all 512 subpages of a 2 MiB huge page; the whole huge page moves with the first entry
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0xc1
read a 2m
nodes a*512
move_pages a*512 to=1
nodes a*512
read a 2m
move_pages a*512 to=0
nodes a*512
