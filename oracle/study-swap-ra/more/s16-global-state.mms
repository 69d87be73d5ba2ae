# The readahead state is global: main's faults shrink the window (8, then 4),
# and task t's first fault inherits it (window 2), not a fresh per-VMA start
swapon 64m
a = mmap 16p rw
write a 16p 0x43
task t
use t
b = mmap 16p rw
write b 16p 0x44
use main
madvise a 16p pageout
use t
madvise b 16p pageout
use main
read a 16p
madvise a 16p pageout
use t
read b 16p
madvise b 16p pageout
vmstat
use main
read a 1p
vmstat
read a+12p 1p
vmstat
use t
read b+8p 1p
vmstat
read b 16p
vmstat
use main
read a 16p
vmstat
swapoff
