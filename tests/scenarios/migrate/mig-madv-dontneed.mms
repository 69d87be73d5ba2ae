# after MADV_DONTNEED the pages are gone: move reports ENOENT, a read maps the zero page (EFAULT), a write a new page on node 0
machine nodes=2 cpus=2
a = mmap 6p rw
write a 6p 0xb3
move_pages a*6 to=1
madvise a+1p 3p dontneed
move_pages a*6 to=1
read a+1p 1p
write a+2p 1p 0xb4
move_pages a*6 to=1
nodes a*6
read a 6p
