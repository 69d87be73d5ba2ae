# thp=always: moving one subpage of a huge page moves the whole 2 MiB page (all 512 subpages report the new node)
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0xc2
move_pages a+100p to=1
nodes a,a+1p,a+99p,a+100p,a+101p,a+511p
nodes a*512
read a 2m
move_pages a+511p,a+3p to=0,1
nodes a*512
move_pages a+7p,a+8p to=0,1
nodes a,a+511p
