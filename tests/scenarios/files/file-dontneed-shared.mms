# madvise dontneed on a shared file mapping unmaps the pages (ENOENT) but the file keeps the data: a read maps them back where they were
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 2p 0x1e
write s+2p 2p 0x1f
move_pages s+2p*2 to=1
madvise s 4p dontneed
nodes s*4
read s 4p
nodes s*4
madvise s+1p 1p dontneed
write s+1p 1p 0x20
madvise s 4p dontneed
read s 2p
nodes s*4
