# thp=always: migrate_pages moves huge pages whole; nodes of every subpage after each direction
machine nodes=2 cpus=2 thp=always
a = mmap 2m rw
write a 2m 0xca
b = mmap 3p rw
write b 3p 0xcb
migrate_pages from=0 to=1
nodes a*512
nodes b*3
migrate_pages from=1 to=0
nodes a,a+511p,b,b+2p
read a 2m
