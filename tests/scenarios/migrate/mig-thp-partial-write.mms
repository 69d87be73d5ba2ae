# thp=always: one byte written fills a huge page; moving an untouched-but-huge subpage moves the whole page; ENOENT beyond it
machine nodes=2 cpus=2 thp=always
a = mmap 4m rw
write a 1
move_pages a+300p,a+512p to=1
nodes a,a+300p,a+511p,a+512p
read a 2m
