# msync async, invalidate and sync on shared and private file mappings and fsync (tmpfs): pages stay dirty and mapped; invalidate of an mlocked mapping is EBUSY; numa_maps dirty=/anon= and smaps after each.
machine nodes=2 cpus=2
file f 8p
s = mmap 8p rw shared file=f
p = mmap 8p rw private file=f
write s 4p 0x31
read p 8p
write p+6p 1p 0x32
msync s 8p async
msync p 8p invalidate
numa_maps p 16p
smaps p 16p
msync s 8p invalidate
mlock p 8p
msync p 8p invalidate
msync p 4p sync
fsync f
numa_maps p 16p
smaps p 8p
read p 8p
