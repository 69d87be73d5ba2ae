# fork with written private anonymous memory and a shared tmpfs file mapping: the child's accesses (Referenced=, COW), then madvise cold in the parent on pages now exclusive again
machine nodes=2 cpus=2 lru=classic
vmstat
a = mmap 8p rw
write a 8p
file f 4p
s = mmap 4p rw shared file=f
write s 4p
numa_maps a 8p
fork child
use child
smaps a 8p
numa_maps a 8p
read a 4p
write a+4p 2p 0x44
smaps a 8p
numa_maps a 8p
read s 1p
smaps s 4p
numa_maps s 4p
vmstat
use main
smaps a 8p
madvise a 8p cold
smaps a 8p
numa_maps a 8p
vmstat
madvise s 4p cold
smaps s 4p
vmstat
