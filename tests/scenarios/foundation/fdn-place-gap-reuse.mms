# a freed gap is reused from its top: a smaller mapping lands at the top of the gap, a larger one goes below everything, the rest of the gap is filled later
machine nodes=2 cpus=2
top = mmap 4p none
a = mmap 4p rw
b = mmap 4p rw
c = mmap 4p rw
write a 4p 0x0a
write b 4p 0x0b
write c 4p 0x0c
munmap b 4p
vmas c 12p
d = mmap 2p rw
write d 2p 0xdd
read b+2p 2p
read d 2p
vmas c 12p
e = mmap 8p rw
vmas e 20p
f = mmap 2p rw
write f 2p 0xff
read b 2p
read f 2p
vmas e 20p
