# thp=always: after munmap of one subpage the huge page is partially mapped; moving one page migrates all of it (split on the way), later moves are per page
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0xc4
munmap a+1m 1p
nodes a,a+255p,a+256p,a+257p,a+511p
move_pages a to=1
nodes a*512
read a 1m
move_pages a+257p*4 to=1
nodes a*512
move_pages a to=0
nodes a,a+1p,a+255p,a+257p,a+511p
