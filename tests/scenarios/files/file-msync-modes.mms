# msync in every mode (sync, async, invalidate) on shared and private file mappings, whole, partial and unaligned length: all 0, data intact
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
p = mmap 4p rw private file=f
write s 4p 0xf1
write p+1p 1p 0xf2
msync s 4p sync
msync s 4p async
msync s 4p invalidate
msync s+1p 2p invalidate
msync s 100 sync
msync p 4p sync
msync p 4p async
msync p 4p invalidate
read s 4p
read p 4p
nodes s*4
nodes p*4
fsync f
t = mmap 4p r shared file=f
read t 4p
