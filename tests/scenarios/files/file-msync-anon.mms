# msync on anonymous memory (private, shared, untouched, locked) succeeds in sync and async modes; invalidate of locked memory is EBUSY
machine nodes=2 cpus=2
a = mmap 4p rw
b = mmap 4p rw shared
c = mmap 4p r
write a 4p 0x18
write b 4p 0x19
msync a 4p
msync b 4p async
msync c 4p invalidate
msync c 12p sync
mlock a 2p
msync a 4p invalidate
msync a+2p 2p invalidate
msync a 4p sync
msync a 4p async
l = mmap 2p rw locked
msync l 2p invalidate
read a 4p
read b 4p
