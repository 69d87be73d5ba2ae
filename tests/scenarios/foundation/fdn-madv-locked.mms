# madvise on locked ranges: dontneed, cold and pageout fail with EINVAL; willneed, normal, hugepage succeed
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw locked
write a 4p 0xe5
madvise a 4p dontneed
madvise a 1p dontneed
madvise a 4p cold
madvise a 4p pageout
madvise a 4p willneed
madvise a 4p normal
madvise a 4p hugepage
madvise a 4p nohugepage
nodes a*4
read a 4p
b = mmap 4p rw
mlock b+1p 1p
madvise b 4p dontneed
madvise b 1p dontneed
madvise b+2p 2p dontneed
vmas b 8p
