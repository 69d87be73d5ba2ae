# MADV_PAGEOUT on shared anon (no swap) unmaps the pages: ENOENT for move; a read maps them again where they were
machine nodes=2 cpus=2
s = mmap 4p rw shared
write s 4p 0xa6
move_pages s+2p*2 to=1
madvise s 4p pageout
move_pages s*4 to=1
nodes s*4
read s 4p
nodes s*4
move_pages s*4 to=1
nodes s*4
