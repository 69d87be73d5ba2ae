# Memory pressure from two tasks of 300 MiB each (600 MiB on 512 MiB): every
# chunk of both reads back
swapon 1g
task t cpu=1
a = mmap 300m rw
write a 150m 0x0a
write a+150m 150m 0x0b
use t
b = mmap 300m rw
write b 150m 0x0c
write b+150m 150m 0x0d
use main
read a 150m
read a+150m 150m
use t
read b 150m
read b+150m 150m
