# thp=always: after mprotect r of half a huge page (VMA split), moving one subpage moves the whole 2 MiB folio, and moving it back moves it whole again (not split by mprotect nor by migration)
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
