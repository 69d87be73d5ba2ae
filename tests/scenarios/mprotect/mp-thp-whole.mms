# thp=always: mprotect r of a whole huge page keeps it huge (moving one subpage moves all 512); rw again and writes work
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0x72
mprotect a 2m r
vmas a 2m
write a+100p 1p
move_pages a+7p to=1
nodes a,a+1p,a+255p,a+511p
mprotect a 2m rw
write a 2m 0x73
nodes a,a+1p,a+255p,a+511p
read a 2m
