# cold, pageout, willneed and normal on private anonymous memory all return 0 and keep the data in place (no swap)
machine nodes=2 cpus=2
a = mmap 8p rw
write a 8p 0xe8
madvise a 8p cold
nodes a*8
madvise a 8p pageout
nodes a*8
madvise a 8p willneed
madvise a 8p normal
read a 8p
nodes a*8
b = mmap 4p rw
madvise b 4p willneed
nodes b*4
madvise b 4p pageout
madvise b 4p cold
nodes b*4
