# private file mapping: a read fault maps neighbouring page-cache pages too (fault-around); a write makes an anonymous copy (anon=, Anonymous=).
machine nodes=2 cpus=2
file f 32p
w = mmap 32p rw shared file=f
write w 20p 0x61
p = mmap 32p rw private file=f
read p+1p 1
numa_maps p 32p
smaps p 32p
read p+25p 1
smaps p 32p
write p+2p 1 0x62
numa_maps p 32p
smaps p 32p
