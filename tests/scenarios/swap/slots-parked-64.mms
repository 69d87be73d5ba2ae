# 64 slots freed wait in the return cache (a 65th would send them back):
# memory.swap.max 256k stays full after munmap; the next pageout's first page
# fails its charge, parks its slot and so frees the 64; the other 63 fit
swapon 64m
cgroup cg memory.swap.max=256k
task t cgroup=cg
use t
a = mmap 64p rw
write a 64p 0x61
madvise a 64p pageout
munmap a 64p
b = mmap 64p rw
write b 64p 0x62
madvise b 64p pageout
smaps b 64p
vmstat
