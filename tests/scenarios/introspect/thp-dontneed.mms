# thp=always: dontneed of a few pages inside a huge page splits its PMD (deferred split); dontneed of a whole 2 MiB range frees the huge page unsplit.
machine nodes=2 cpus=2 thp=always
a = mmap 4m rw
write a 4m
smaps a 4m
madvise a+4p 4p dontneed
smaps a 4m
numa_maps a 4m
vmstat
madvise a+2m 2m dontneed
smaps a 4m
numa_maps a 4m
vmstat
