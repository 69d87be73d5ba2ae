# msync invalidate on an mlocked file range is EBUSY (sync/async are fine); after munlock it works; a locked page just outside does not matter
machine nodes=2 cpus=2
file f 6p
s = mmap 6p rw shared file=f
write s 6p 0x1a
mlock s+2p 2p
msync s 6p invalidate
msync s+2p 1p invalidate
msync s 2p invalidate
msync s+4p 2p invalidate
msync s 6p sync
msync s 6p async
vmas s 6p
munlock s+2p 2p
msync s 6p invalidate
l = mmap 2p rw shared file=f locked
msync l 2p invalidate
msync l 2p sync
p = mmap 2p rw private file=f offset=4p locked
msync p 2p invalidate
read s 6p
nodes s*6
