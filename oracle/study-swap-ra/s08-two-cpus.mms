# Slot allocation through the per-CPU swap slots cache (batches of 64): main on
# CPU 0 pages out a (slots 1-16; CPU 0 keeps 17-64), task t on CPU 1 pages out
# b (its own batch, 65-128: b gets 65-80), then main pages out c (17-32). A
# fault on a's last page (slot 16) reads slots 16-23 = c's first 7 pages ahead
swapon 64m
a = mmap 16p rw
c = mmap 16p rw
write a 16p 0x69
write c 16p 0x6a
task t cpu=1
use t
b = mmap 16p rw
write b 16p 0x6b
use main
madvise a 16p pageout
use t
madvise b 16p pageout
use main
madvise c 16p pageout
vmstat
read a 16p
read c 16p
madvise a 16p pageout
madvise c 16p pageout
use t
read b 16p
madvise b 16p pageout
use main
vmstat
read a+15p 1p
vmstat
read c 16p
vmstat
use t
read b 16p
vmstat
use main
swapoff
