# thp=madvise: hugepage, nohugepage and hugepage again on parts of one VMA: it splits (hg/nh) and merges back, THPeligible per piece; a write maps a huge page only where hg covers an aligned 2 MiB range.
machine nodes=2 cpus=2 thp=madvise
a = mmap 4m rw
madvise a 4m hugepage
smaps a 4m
madvise a+2m 1m nohugepage
smaps a 4m
madvise a+2m 1m hugepage
smaps a 4m
madvise a+3m 1m nohugepage
madvise a 1m normal
smaps a 4m
write a 1p
write a+2m 1p
write a+3m 1p
smaps a 4m
numa_maps a 4m
vmstat
