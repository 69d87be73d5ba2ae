# mlock of shared anonymous memory: populates it, Locked= is the Pss (halved once a child maps the pages), the child's unlocked VMA sees mlocked pages as active.
machine nodes=2 cpus=2
vmstat
s = mmap 8p rw shared
write s 4p
mlock s 8p
smaps s 8p
numa_maps s 8p
fork child
use child
read s 8p
smaps s 8p
numa_maps s 8p
use main
smaps s 8p
munlock s 8p
numa_maps s 8p
vmstat
