# a 32 MiB populated mapping, then dontneed of 30 MiB inside it and a partial rewrite; nodes over 8192 pages each time
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 32m rw populate
nodes a*8192
madvise a+1m 30m dontneed
nodes a*8192
read a 32m
write a+1m 1m 0x3c
nodes a*8192
read a 32m
