# Two kills in a row: main (300 MiB) dies while t writes its 300 MiB, then t
# dies while u writes its 300 MiB
machine nodes=2 cpus=2
a = mmap 300m rw
write a 300m
task t
task u cpu=1
use t
b = mmap 300m rw
write b 300m 0x0b
use u
c = mmap 300m rw
write c 300m 0x0c
read c 300m
use t
read b 1p
use main
read a 1p
