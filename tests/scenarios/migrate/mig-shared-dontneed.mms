# MADV_DONTNEED on shared anon unmaps but keeps the pages: move says ENOENT; a read maps them back on the node they were moved to
machine nodes=2 cpus=2
s = mmap 4p rw shared
write s 4p 0xa5
move_pages s*4 to=1
madvise s 2p dontneed
move_pages s*4 to=0
nodes s*4
read s 4p
nodes s*4
move_pages s*4 to=1
nodes s*4
