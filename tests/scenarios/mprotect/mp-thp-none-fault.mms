# thp=always: mprotect none of a whole untouched 2 MiB range and then rw: the first write after that still gets a huge page
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
mprotect a 2m none
write a 1p
mprotect a 2m rw
write a 1p 0x77
move_pages a+200p to=1
nodes a,a+1p,a+200p,a+511p
