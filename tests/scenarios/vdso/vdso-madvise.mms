# madvise on [vvar] (raw frames: dontneed, cold, pageout EINVAL) and [vdso], and across a mapping into them
machine nodes=2 cpus=2
a = mmap 4p rw
madvise a+4p 4p dontneed
madvise a+4p 4p hugepage
madvise a+4p 4p nohugepage
madvise a+4p 4p cold
madvise a+4p 4p pageout
madvise a+4p 4p willneed
madvise a+4p 4p normal
madvise a+4p 1p dontneed
madvise a+8p 2p dontneed
madvise a+8p 2p hugepage
madvise a+8p 2p nohugepage
madvise a+8p 2p cold
madvise a+8p 2p pageout
madvise a+8p 2p willneed
madvise a+8p 2p normal
vmas a 10p
