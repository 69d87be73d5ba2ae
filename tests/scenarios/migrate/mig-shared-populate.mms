# shared anon with populate and locked: all pages move; the locked one stays locked (dontneed EINVAL); after munlock a dontneed+read brings it back on node 1
machine nodes=2 cpus=2
s = mmap 4p rw shared populate
l = mmap 4p rw shared locked
nodes s*4,l*4
move_pages s*4,l*4 to=1
nodes s*4,l*4
madvise l 1p dontneed
munlock l 4p
madvise l 1p dontneed
nodes l*4
read l 4p
nodes l*4
