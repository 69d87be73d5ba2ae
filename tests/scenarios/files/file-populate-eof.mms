# MAP_POPULATE and MAP_LOCKED on a mapping longer than the file: mmap succeeds, pages up to EOF are mapped, the rest ENOENT and SIGBUS; mlock is ENOMEM
machine nodes=2 cpus=2
file f 5000
a = mmap 4p rw shared file=f populate
nodes a*4
b = mmap 4p r private file=f populate
nodes b*4
c = mmap 4p rw shared file=f locked
nodes c*4
vmas c 4p
read c 4p
read a 2p
mlock a 4p
nodes a*4
d = mmap 4p rw private file=f locked
nodes d*4
read d+3p 1p
