# madvise across a mapping and [vvar]: the mapping's part is done before the error
machine nodes=2 cpus=2
a = mmap 4p rw
write a 4p 0x11
madvise a+3p 2p dontneed
read a+3p 1p
read a+2p 1p
write a 4p 0x11
madvise a+3p 2p hugepage
madvise a+3p 2p nohugepage
madvise a+3p 2p cold
madvise a+3p 2p pageout
madvise a+3p 2p willneed
madvise a+3p 2p normal
vmas a 10p
madvise a+7p 2p dontneed
madvise a+7p 2p cold
madvise a+7p 2p willneed
madvise a 10p normal
madvise a 11p normal
read a+3p 1p
