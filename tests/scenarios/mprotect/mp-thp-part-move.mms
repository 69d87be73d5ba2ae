# thp=always: after mprotect of part of a huge page, moving one subpage moves the whole folio or only that page? nodes tell
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0x74
mprotect a+256p 256p r
vmas a 2m
move_pages a to=1
nodes a,a+1p,a+255p,a+256p,a+511p
move_pages a+256p to=0
nodes a,a+1p,a+255p,a+256p,a+511p
read a 2m
