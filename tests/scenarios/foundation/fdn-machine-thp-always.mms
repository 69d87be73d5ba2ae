# thp=always: a 4 MiB mapping is 2 MiB-aligned and one byte written fills a whole 2 MiB huge page; a read fault also gets a real huge page; munmap or dontneed of one page splits it
machine nodes=2 cpus=2 thp=always
top = mmap 4p none
a = mmap 4m rw
write a 1
nodes a,a+1p,a+511p,a+512p,a+513p,a+1023p
nodes a*1024
read a+2m 1
nodes a+512p*4
write a+513p 1
nodes a+512p*4
read a 2m
vmas a 4m
munmap a+1m 1p
nodes a+255p*3
vmas a 4m
madvise a+2p 1p dontneed
nodes a*4
b = mmap 3m rw
write b 3m
nodes b*768
vmas b 3m
