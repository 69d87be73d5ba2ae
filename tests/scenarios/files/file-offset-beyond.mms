# a mapping whose offset is at or beyond the end of the file is accepted, but every access is SIGBUS at its first page; one straddling EOF faults at its second
machine nodes=2 cpus=2
file f 4p
s = mmap 4p rw shared file=f
write s 4p 0x31
a = mmap 2p rw shared file=f offset=4p
b = mmap 2p r private file=f offset=16p
c = mmap 2p rw shared file=f offset=3p
read a 2p
write a 1p 0x32
read b 1p
nodes a*2
nodes b*2
read c 2p
write c 2p 0x33
read c 1p
read s 4p
nodes c*2
