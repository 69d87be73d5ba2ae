# After pressure (640 MiB written) most of it is unmapped, then swapoff
# brings the rest back into memory; its data is intact
swapon 1g
a = mmap 64m rw
b = mmap 576m rw
write a 64m 0x31
write b 576m 0x32
munmap b 576m
swapoff
read a 64m
