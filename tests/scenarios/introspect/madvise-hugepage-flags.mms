# thp=madvise: madvise hugepage/nohugepage set VmFlags hg/nh and THPeligible; only the hg half gets a huge page; madvise normal keeps hg.
machine nodes=2 cpus=2 thp=madvise
a = mmap 4m rw
smaps a 4m
madvise a 2m hugepage
madvise a+2m 2m nohugepage
smaps a 4m
write a 4m
smaps a 4m
numa_maps a 4m
vmstat
madvise a 2m normal
smaps a 2m
