# thp=never: madvise still sets hg/nh, but THPeligible stays 0 and a 2 MiB-aligned mapping gets 4 KiB pages.
machine nodes=2 cpus=2
a = mmap 2m rw
madvise a 2m hugepage
write a 1p
smaps a 2m
numa_maps a 2m
b = mmap 8p rw
madvise b 8p nohugepage
smaps b 8p
vmstat
