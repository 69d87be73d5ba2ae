# mlocked file pages (mlock and MAP_LOCKED, shared and private) migrate and stay locked: dontneed EINVAL until munlock
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x28
mlock s 4p
move_pages s*4 to=1
nodes s*4
madvise s 4p dontneed
vmas s 4p
munlock s 4p
madvise s 4p dontneed
nodes s*4
read s 4p
nodes s*4
l = mmap 2p r private file=f offset=2p locked
nodes l*2
move_pages l*2 to=0
munmap s 4p
move_pages l*2 to=0
nodes l*2
madvise l 2p dontneed
read l 2p
