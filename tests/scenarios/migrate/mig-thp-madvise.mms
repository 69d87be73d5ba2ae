# thp=madvise: only the MADV_HUGEPAGE half is a huge page; a move of one subpage moves all of it, not the other half
machine nodes=2 cpus=2 thp=madvise
a = mmap 4m rw
madvise a 2m hugepage
write a 4m 0xc6
move_pages a+5p,a+517p to=1
nodes a*4,a+508p*8,a+1020p*4
move_pages a+512p*512 to=1
nodes a+1020p*4
read a 4m
