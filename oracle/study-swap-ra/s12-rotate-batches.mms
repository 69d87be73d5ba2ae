# pgrotated after MADV_PAGEOUT: the written folios are put back through the
# per-CPU LRU-add batch (31 folios); only those the batch flushed to the LRU
# before their write completed are rotated
swapon 64m
a = mmap 30p rw
h1 = hole 1p
b = mmap 31p rw
h2 = hole 1p
c = mmap 40p rw
h3 = hole 1p
d = mmap 62p rw
h4 = hole 1p
e = mmap 70p rw
write a 30p 0x31
write b 31p 0x32
write c 40p 0x33
write d 62p 0x34
write e 70p 0x35
madvise a 30p pageout
vmstat
madvise b 31p pageout
vmstat
madvise c 40p pageout
vmstat
madvise d 62p pageout
vmstat
madvise e 70p pageout
vmstat
swapoff
