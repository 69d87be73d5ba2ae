# thp=always: after MADV_DONTNEED of one subpage, moving one remaining subpage migrates the whole (split) huge page; later moves are per page
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0xc5
madvise a+2p 1p dontneed
nodes a*4
move_pages a+3p to=1
nodes a*512
move_pages a*8 to=1
nodes a*8
move_pages a+5p to=0
nodes a,a+5p,a+6p,a+511p
