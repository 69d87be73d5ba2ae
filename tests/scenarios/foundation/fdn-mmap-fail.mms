# failed mmaps: length 0 gives EINVAL, impossible lengths ENOMEM; the name is bound to -1 and every later command on it fails or faults
machine nodes=2 cpus=2
top = mmap 4p rw
z = mmap 0 rw
write z 1p
read z 1
nodes z
vmas z 1p
munmap z 1p
mlock z 1p
munlock z 1p
madvise z 1p dontneed
over = mmap 0xffffffffffffffff rw
huge = mmap 0xfffffffffffff000 rw
big = mmap 262144g rw
tb = mmap 1024g rw
gb = mmap 1g rw
ro = mmap 1024g r
read ro+512g 1p
munmap ro 1024g
sh = mmap 1g rw shared
nr = mmap 1g none
munmap nr 1g
a = mmap 4p rw
vmas a 8p
nodes z,huge,a
z0 = mmap 0 none
one = mmap 1 rw
vmas one 9p
