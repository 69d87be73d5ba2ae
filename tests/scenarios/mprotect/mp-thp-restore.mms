# thp=always: one subpage of a huge page made none then rw again: the VMA re-merges and the memory is still one folio (moving one subpage moves all)
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0x75
mprotect a+10p 1p none
read a+10p 1p
mprotect a+10p 1p rw
vmas a 2m
move_pages a+300p to=1
nodes a,a+10p,a+299p,a+300p,a+511p
read a 2m
