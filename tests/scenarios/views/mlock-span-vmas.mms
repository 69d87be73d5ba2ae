# mlock of one range over a shared file, a shared anonymous, a read-only and a partly written private mapping: what each VMA gets populated with, Locked=, active=, counters; munlock of the middle of the range.
machine nodes=2 cpus=2
file f 4p
a = mmap 4p rw
b = mmap 4p r
s = mmap 4p rw shared
m = mmap 4p rw shared file=f
write a 1p
write m+3p 1p
mlock m 16p
smaps m 16p
numa_maps m 16p
vmstat
munlock m+2p 12p
smaps m 16p
numa_maps m 16p
vmstat
