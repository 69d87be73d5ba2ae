# MAP_POPULATE touches each page as get_user_pages' FOLL_TOUCH does (mark_page_accessed): a private anonymous range once, a tmpfs file through two populated shared mappings twice; then cold
machine nodes=2 cpus=2 lru=mglru
vmstat
file f 4p
a = mmap 4p rw populate
numa_maps a 4p
s = mmap 4p rw shared file=f populate
numa_maps s 4p
vmstat
t = mmap 4p r shared file=f populate
numa_maps t 4p
smaps t 12p
vmstat
madvise s 4p cold
madvise a 4p cold
smaps s 12p
vmstat
munmap t 4p
madvise s 4p cold
numa_maps s 8p
smaps s 8p
vmstat
