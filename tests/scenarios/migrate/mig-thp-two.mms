# thp=always: two huge pages in a 4 MiB mapping move independently; a list spanning both
machine nodes=2 cpus=2 thp=always
a = mmap 4m rw
write a 4m 0xc3
move_pages a+600p to=1
nodes a,a+511p,a+512p,a+1023p
move_pages a,a+512p to=1,0
nodes a,a+511p,a+512p,a+1023p
move_pages a+510p*4 to=1
nodes a+510p*4
move_pages a,a+512p,a+1p,a+513p to=0
nodes a,a+511p,a+512p,a+1023p
read a 4m
