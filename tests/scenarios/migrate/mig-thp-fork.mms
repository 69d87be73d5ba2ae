# thp=always: a huge page shared by fork gives EACCES without MOVE_ALL; MOVE_ALL moves it for both; a child write splits only the child's mapping
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0xc8
fork c
move_pages a to=1
move_pages a to=1 flags=move_all
nodes a,a+511p
use c
nodes a,a+511p
write a+1p 1p 0xc9
nodes a*4
use main
move_pages a to=0
move_pages a+1p to=0
nodes a*4
move_pages a+1p to=0 flags=move_all
nodes a*4
use c
nodes a*4
read a 2m
